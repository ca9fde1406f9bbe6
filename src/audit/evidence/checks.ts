/** One line of `muster evidence verify`: what was checked, whether it held, and what it found. */
export interface EvidenceCheck {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

export function pass(check: string, detail: string): EvidenceCheck {
  return { check, ok: true, detail };
}

export function fail(check: string, detail: string): EvidenceCheck {
  return { check, ok: false, detail };
}

/** Runs a check; a throw is a failure that names its message. */
export async function attempt(check: string, run: () => Promise<EvidenceCheck> | EvidenceCheck): Promise<EvidenceCheck> {
  try {
    return await run();
  } catch (error) {
    return fail(check, (error as Error).message);
  }
}

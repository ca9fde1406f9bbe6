import { AsyncLocalStorage } from 'node:async_hooks';
import type { AdapterPayload } from 'oidc-provider';

/** A model row oidc-provider saved while its writes were held: written later, with the audit entries it goes with. */
export interface HeldWrite {
  readonly model: string;
  readonly id: string;
  readonly payload: AdapterPayload;
  readonly expires: Date | null;
}

const holding = new AsyncLocalStorage<HeldWrite[]>();

/**
 * Runs `work` (oidc-provider saving its models: a grant, an interaction's result) with the saves held back instead of
 * sent; returns its value and the rows held, which the caller writes in the same statement as their audit entries,
 * so that a sign-in's models and its entry commit together or not at all. A row saved twice is held once, as last saved.
 */
export async function holdingWrites<T>(work: () => Promise<T>): Promise<{ value: T; held: HeldWrite[] }> {
  const held: HeldWrite[] = [];
  const value = await holding.run(held, work);
  const last = new Map(held.map((w) => [`${w.model}\u0000${w.id}`, w]));
  return { value, held: [...last.values()] };
}

/** Holds a save when the caller is holding writes; false when it is not (the save goes to the store at once). */
export function holdWrite(write: HeldWrite): boolean {
  const held = holding.getStore();
  if (!held) return false;
  held.push(write);
  return true;
}

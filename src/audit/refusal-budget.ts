import type { AuditDraft } from '../audit/chain.ts';
import type { Clock } from '../core/clock.ts';

interface Window {
  start: number;
  written: number;
  suppressed: number;
}

/**
 * Bounds how many refusals of one kind (a source, a caller) are audited: at most `limit` a minute each; the rest are
 * counted, and the count goes with the next refusal audited. A flood of bad requests cannot flood
 * the audit log, and none goes unaccounted.
 */
/** Past this many callers, settled windows are forgotten. */
const MAX_WINDOWS = 10_000;

export class RefusalBudget {
  readonly #limit: number;
  readonly #clock: Clock;
  readonly #windows = new Map<string, Window>();

  constructor(limit: number, clock: Clock) {
    this.#limit = limit;
    this.#clock = clock;
  }

  /** The draft to audit (with the count suppressed before it), or null when over the budget. */
  admit(key: string, draft: AuditDraft): AuditDraft | null {
    const now = this.#clock.now().getTime();
    let window = this.#windows.get(key);
    if (!window || now - window.start >= 60_000) {
      window = { start: now, written: 0, suppressed: window?.suppressed ?? 0 };
      this.#windows.set(key, window);
      if (this.#windows.size > MAX_WINDOWS) this.#forgetSettled(now);
    }
    if (window.written >= this.#limit) {
      window.suppressed++;
      return null;
    }
    window.written++;
    const suppressed = window.suppressed;
    window.suppressed = 0;
    return suppressed === 0 ? draft : { ...draft, data: { ...(draft.data ?? {}), suppressed_before: suppressed } };
  }

  /** Callers are keys (addresses, tokens): windows past their minute with nothing left to report go, so many callers cannot grow the map for ever. */
  #forgetSettled(now: number): void {
    for (const [key, window] of this.#windows) if (now - window.start >= 60_000 && window.suppressed === 0) this.#windows.delete(key);
  }
}

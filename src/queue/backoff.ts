/** Exponential back-off between attempts of a failing job. */
export interface Backoff {
  /** Cap of the delay after the first failure. */
  readonly baseMs: number;
  /** Cap of any delay. */
  readonly maxMs: number;
}

/** A number in [0, 1); Math.random in production, fixed in tests. */
export type RandomSource = () => number;

/**
 * The delay before attempt `attempt + 1`, after `attempt` (1-based) failed: "full jitter",
 * a uniform pick in [0, min(maxMs, baseMs · 2^(attempt-1))), so retrying workers spread out.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: RandomSource): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  const cap = Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(cap * r);
}

import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Pause between looks (default 25 ms). */
  readonly intervalMs?: number;
  /** Count a check that throws as "not yet" (say, while a server is down) instead of failing at once. */
  readonly retryOnError?: boolean;
}

/** What waitUntil throws when the time is up, so that a caller can tell it from a failing check. */
export class WaitTimeout extends Error {
  override readonly name = 'WaitTimeout';
}

type Check<T> = () => Promise<T | undefined | false> | T | undefined | false;

/**
 * Polls `check` until it gives a value other than `undefined` or `false`, and returns that value.
 * Fails naming `what` (and the last error, when errors are retried) once `timeoutMs` has passed.
 */
export async function waitUntil<T>(what: string, check: Check<T>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 25, retryOnError = false } = options;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const value = await look(check, retryOnError, (error) => (lastError = error));
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new WaitTimeout(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}

async function look<T>(check: Check<T>, retryOnError: boolean, failed: (error: unknown) => void): Promise<T | undefined | false> {
  if (!retryOnError) return check();
  try {
    return await check();
  } catch (error) {
    failed(error);
    return undefined;
  }
}

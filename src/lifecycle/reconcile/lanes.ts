import { MusterError } from '../../core/errors.ts';

/**
 * Runs `call` on every item with at most `concurrency` calls in flight; the error message of each item
 * that failed, by its index. A failure does not stop the others.
 */
export async function eachInLanes<T>(items: readonly T[], concurrency: number, call: (item: T) => Promise<unknown>): Promise<Map<number, string>> {
  const failures = new Map<number, string>();
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        await call(items[index] as T);
      } catch (error) {
        failures.set(index, error instanceof MusterError ? `${error.code}: ${error.message}` : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return failures;
}

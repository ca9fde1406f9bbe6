import { MusterError } from '../core/errors.ts';

/** `work` (a `SELECT 1`), or MUSTER_ERR_STORE_UNAVAILABLE when it has not answered within timeoutMs. */
export function within<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MusterError('MUSTER_ERR_STORE_UNAVAILABLE', `the database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  work.catch(() => {}); // a late failure after the timeout is not unhandled
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

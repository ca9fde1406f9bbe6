import { MusterError } from '../core/errors.ts';

/** Wraps a driver error as MUSTER_ERR_STORE, keeping PostgreSQL's SQLSTATE as `pgCode`. */
export function storeError(error: unknown, sql: string): unknown {
  if (error instanceof MusterError) return error;
  const pgCode = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = new MusterError('MUSTER_ERR_STORE', `database error: ${message}`, [{ message: sql.slice(0, 200) }], { cause: error });
  return Object.assign(wrapped, { pgCode });
}

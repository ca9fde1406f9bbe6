import { MusterError, isMusterError } from '../core/errors.ts';

/** SQLSTATEs of a lost or refused connection: class 08, and the server shutting down or starting. */
const CONNECTION_STATES = /^(08...|57P0[123])$/;
/** Socket-level failures of the driver (no SQLSTATE). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const DRIVER_MESSAGES =
  /Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout/;

/** Whether an error means the database could not be reached or the connection was lost (nothing about the statement itself). */
export function isStoreUnavailable(error: unknown): boolean {
  if (isMusterError(error, 'MUSTER_ERR_STORE_UNAVAILABLE')) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (CONNECTION_STATES.test(code) || SOCKET_CODES.has(code))) return true;
  return error instanceof Error && DRIVER_MESSAGES.test(error.message);
}

/**
 * Wraps a driver error: MUSTER_ERR_STORE_UNAVAILABLE for a lost or refused connection,
 * MUSTER_ERR_STORE_FULL for a full disk (SQLSTATE 53100), else MUSTER_ERR_STORE; PostgreSQL's SQLSTATE is kept as `pgCode`.
 */
export function storeError(error: unknown, sql: string): unknown {
  if (error instanceof MusterError) return error;
  const pgCode = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const details = [{ message: sql.slice(0, 200) }];
  const wrapped = isStoreUnavailable(error)
    ? new MusterError('MUSTER_ERR_STORE_UNAVAILABLE', `the database is unavailable: ${message}`, details, { cause: error })
    : pgCode === '53100'
      ? new MusterError('MUSTER_ERR_STORE_FULL', `the database disk is full: ${message}`, details, { cause: error })
      : new MusterError('MUSTER_ERR_STORE', `database error: ${message}`, details, { cause: error });
  return Object.assign(wrapped, { pgCode });
}

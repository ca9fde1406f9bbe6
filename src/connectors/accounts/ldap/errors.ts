/** LDAP result codes and socket failures in muster's terms: retry what may pass later, report what will not. */
import { ResultCodeError } from 'ldapts';
import { MusterError } from '../../../core/errors.ts';

export const RESULT = {
  noSuchAttribute: 16,
  typeOrValueExists: 20,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  objectClassViolation: 65,
  alreadyExists: 68,
} as const;

/** timeLimitExceeded, busy, unavailable, other: the server may well answer next time. */
const TRANSIENT = new Set([3, 51, 52, 80]);

/** The LDAP result code of a failure, whether raw from ldapts or already wrapped by targetError. */
export function resultCode(error: unknown): number | null {
  const cause = error instanceof MusterError ? error.cause : error;
  return cause instanceof ResultCodeError ? cause.code : null;
}

/** Wraps any failure of an LDAP call; programming errors (TypeError and kin) pass through untouched. */
export function targetError(target: string, doing: string, error: unknown): Error {
  if (error instanceof MusterError) return error;
  if (error instanceof ResultCodeError) {
    const detail = { field: 'resultCode', value: String(error.code), message: `${error.name}: ${error.message}` };
    const code = TRANSIENT.has(error.code) ? 'MUSTER_ERR_TARGET_UNAVAILABLE' : 'MUSTER_ERR_TARGET_REFUSED';
    return new MusterError(code, `target '${target}' ${code === 'MUSTER_ERR_TARGET_REFUSED' ? 'refused' : 'failed'} ${doing}: ${error.message}`, [detail], { cause: error });
  }
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', `target '${target}' cannot be reached for ${doing}: ${message}`, [{ field: 'connection', message }], { cause: error });
}

export function notFound(target: string, id: string): MusterError {
  return new MusterError('MUSTER_ERR_NOT_FOUND', `target '${target}' has no account ${id}`, [{ field: 'id', value: id, message: 'no such account' }]);
}

export function conflict(target: string, key: string): MusterError {
  return new MusterError('MUSTER_ERR_TARGET_CONFLICT', `target '${target}' already has an account '${key}'`, [{ field: 'key', value: key, message: 'taken' }]);
}

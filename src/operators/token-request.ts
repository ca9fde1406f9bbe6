import { MusterError } from '../core/errors.ts';
import { UUID_PATTERN } from '../core/ids.ts';
import { isOperatorRole } from '../core/operators/roles.ts';

/** How long tokens live: the default and the most an operator-admin may give. */
export interface TokenSettings {
  readonly defaultDays: number;
  readonly maxDays: number;
}

const DAY_MS = 86_400_000;
const MAX_NAME_LENGTH = 128;
const EXPIRY = /^([1-9][0-9]{0,4})d?$/;

/** An identity id, or a 400 naming the field. */
export function checkIdentityId(id: string, field: string): string {
  if (!UUID_PATTERN.test(id)) throw new MusterError('MUSTER_ERR_VALIDATION', `${field}: not an identity id: ${id}`, [{ field, value: id, message: 'must be a UUID' }]);
  return id.toLowerCase();
}

/** Role names, each known, at least one, no repeats. */
export function checkRoles(roles: readonly string[], field = 'roles'): string[] {
  const clean = [...new Set(roles.map((r) => r.trim()).filter((r) => r !== ''))];
  if (clean.length === 0) throw new MusterError('MUSTER_ERR_VALIDATION', `${field}: name at least one operator role`, [{ field, message: 'empty' }]);
  const unknown = clean.filter((r) => !isOperatorRole(r));
  if (unknown.length > 0)
    throw new MusterError(
      'MUSTER_ERR_VALIDATION',
      `${field}: unknown operator role ${unknown.join(', ')} (docs/operators.md lists them)`,
      unknown.map((value) => ({ field, value, message: 'unknown role' })),
    );
  return clean.sort();
}

/** When a token made at `now` expires: `30d` or `30` days, the default when unset, never past the maximum. */
export function expiryOf(expires: string | undefined, settings: TokenSettings, now: Date): Date {
  const days = expires === undefined ? settings.defaultDays : Number(EXPIRY.exec(expires.trim())?.[1] ?? Number.NaN);
  if (!Number.isInteger(days)) throw new MusterError('MUSTER_ERR_VALIDATION', `expires: not a number of days: ${expires}`, [{ field: 'expires', value: expires, message: 'e.g. 30d' }]);
  if (days > settings.maxDays)
    throw new MusterError('MUSTER_ERR_VALIDATION', `expires: ${days} days is beyond the most a token may live (admin.tokens.maxDays = ${settings.maxDays})`, [
      { field: 'expires', value: expires, message: `at most ${settings.maxDays}d` },
    ]);
  return new Date(now.getTime() + days * DAY_MS);
}

export function checkName(name: string): string {
  const clean = name.trim();
  if (clean.length === 0 || clean.length > MAX_NAME_LENGTH || /[\p{Cc}]/u.test(clean)) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `a token name must be 1 to ${MAX_NAME_LENGTH} printable characters`, [{ field: 'name', message: 'empty, too long or has control characters' }]);
  }
  return clean;
}

/** A reason for the record: 1 to 500 printable characters. */
export function checkReason(reason: string | undefined): string {
  const clean = (reason ?? '').trim();
  if (clean.length === 0 || clean.length > 500 || /[\p{Cc}]/u.test(clean))
    throw new MusterError('MUSTER_ERR_VALIDATION', 'reason: say why, in 1 to 500 printable characters', [{ field: 'reason', message: 'empty, too long or has control characters' }]);
  return clean;
}

/**
 * sAMAccountName, the pre-Windows 2000 logon name: at most 20 characters, none of "/\[]:;|=,+*?<>@ or controls,
 * unique in the domain. It is made from a pattern over the login and names; a name that is taken gets a number
 * at its end (cut to keep 20 characters).
 */
import type { AccountFields } from '../port.ts';

export const SAM_MAX = 20;

const INVALID = /["/\\[\]:;|=,+*?<>@\s\p{Cc}]/gu;

function clean(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').replace(INVALID, '').replace(/\.+$/, '');
}

/** The first choice of sAMAccountName for a login and its fields. */
export function samBase(pattern: string, key: string, fields: AccountFields): string {
  const local = key.includes('@') ? key.slice(0, key.indexOf('@')) : key;
  const given = fields.givenName ?? '';
  const values: Record<string, string> = { key: local, given, family: fields.familyName ?? '', g: given.slice(0, 1) };
  const made = clean(pattern.replace(/\{(key|given|family|g)\}/g, (_, name: string) => values[name] ?? '')).toLowerCase();
  return (made || clean(local).toLowerCase() || 'user').slice(0, SAM_MAX);
}

/** The n-th choice (0 is the base itself): the base with n at its end, within 20 characters. */
export function samCandidate(base: string, n: number): string {
  if (n === 0) return base;
  const suffix = String(n + 1);
  return `${base.slice(0, SAM_MAX - suffix.length)}${suffix}`;
}

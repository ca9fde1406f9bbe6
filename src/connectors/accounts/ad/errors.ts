/**
 * Active Directory's answers in muster's terms. AD puts an extended error in front of its diagnostic message
 * (`0000052D: Constraint violation - …`): the LDAP result code says what kind of failure it is, the extended code
 * says which. The common ones get a sentence an operator can act on; all keep AD's own words in the details.
 */
import { ResultCodeError } from 'ldapts';
import { MusterError } from '../../../core/errors.ts';
import { resultCode, targetError } from '../ldap/errors.ts';

export const AD_ERROR = {
  accessDenied: '00000005',
  passwordPolicy: '0000052D',
  badCredentials: '80090308',
  nameInUse: '00002071',
} as const;

const EXPLAINED: Readonly<Record<string, string>> = {
  '00000005': 'the bind account lacks the right to do this (delegate control of the OU to it)',
  '0000052D': "the password does not meet the domain's password policy",
  '80090308': 'the bind account or its password is wrong',
  '00002071': 'the name is already in use in the domain',
  '0000208F': 'the DN names an OU or container that does not exist',
  '0000202B': 'the entry is in another domain (a referral)',
  '00000057': 'AD refused the value (the attribute or its syntax)',
  '0000200B': 'AD refused a value: its syntax or length does not fit the attribute',
};

/** The extended error AD put in front of its message, upper case, or null. */
export function extendedError(error: unknown): string | null {
  const cause = error instanceof MusterError ? error.cause : error;
  if (!(cause instanceof ResultCodeError)) return null;
  return /^([0-9A-Fa-f]{8}):/.exec(cause.message)?.[1]?.toUpperCase() ?? null;
}

/** strongerAuthRequired: the DC takes no simple bind over a plain connection (LDAP server signing policy). */
const STRONGER_AUTH_REQUIRED = 8;

/** targetError, with AD's extended error named in the message and the details. */
export function adError(target: string, doing: string, error: unknown): Error {
  const wrapped = targetError(target, doing, error);
  if (wrapped instanceof MusterError && resultCode(error) === STRONGER_AUTH_REQUIRED) {
    return new MusterError(wrapped.code, `target '${target}' refused ${doing}: the domain controller requires an encrypted connection for the bind: use ldaps:// or startTls`, wrapped.details, {
      cause: wrapped.cause,
    });
  }
  const extended = extendedError(error);
  if (!(wrapped instanceof MusterError) || extended === null || wrapped.details.some((d) => d.field === 'adError')) return wrapped;
  const explained = EXPLAINED[extended];
  const message = explained ? `target '${target}' refused ${doing}: ${explained} (AD error ${extended})` : wrapped.message;
  return new MusterError(wrapped.code, message, [...wrapped.details, { field: 'adError', value: extended, message: explained ?? 'see the resultCode detail' }], { cause: wrapped.cause });
}

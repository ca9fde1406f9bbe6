import { MusterError } from '../../../core/errors.ts';

/** Why a sign-in was refused: the stable code written to the audit log and shown to the subscriber. */
export const REFUSAL_REASONS = [
  'no-certificate',
  'unreadable-certificate',
  'unknown-certificate',
  'not-authentication-certificate',
  'path-invalid',
  'certificate-revoked',
  'certificate-on-hold',
  'revocation-unavailable',
  'foreign-agency-not-covered',
  'credential-inactive',
  'identity-inactive',
  'aal-too-low',
  'unknown-authenticator',
  'webauthn-invalid',
  'webauthn-replayed',
  'no-agreement',
  'no-access-grant',
  'access-revoked',
  'interaction-expired',
  'bad-request',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** What the refusal names about the certificate (serial and issuer only: never the holder). */
export interface RefusalSubject {
  readonly serial?: string;
  readonly issuer?: string;
  readonly identityId?: string;
  readonly credentialId?: string;
}

/** A refused sign-in: MUSTER_ERR_SIGN_IN with its reason as the detail's field. */
export class SignInRefused extends MusterError {
  readonly reason: RefusalReason;
  readonly subject: RefusalSubject;
  /** Refusals a person can repeat at will (no grant yet) are audited a few a minute per this key; the rest are counted. */
  readonly auditKey: string | undefined;

  constructor(reason: RefusalReason, message: string, subject: RefusalSubject = {}, auditKey?: string) {
    super('MUSTER_ERR_SIGN_IN', `sign-in refused (${reason}): ${message}`, [{ field: reason, message }]);
    this.reason = reason;
    this.subject = subject;
    this.auditKey = auditKey;
  }

  /** The sentence shown to the subscriber: the reason in plain words, nothing internal. */
  get userMessage(): string {
    return this.details[0]?.message ?? this.message;
  }
}

/** HTTP status of a refusal page. */
export function refusalStatus(reason: RefusalReason): number {
  if (reason === 'interaction-expired') return 404;
  if (reason === 'bad-request' || reason === 'unreadable-certificate') return 400;
  if (reason === 'no-certificate') return 401;
  return 403;
}

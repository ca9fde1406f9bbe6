import { MusterError } from '../errors.ts';

/** A credential's state: a PIV card is `issued` until activated; derived credentials start `active`. */
export type CredentialStatus = 'issued' | 'active' | 'suspended' | 'terminated';

/** The operations a person (or the cascade) can apply to a credential, and the states each may start from. */
export const CREDENTIAL_OPERATIONS = {
  activate: { from: ['issued'], to: 'active' },
  suspend: { from: ['issued', 'active'], to: 'suspended' },
  reinstate: { from: ['suspended'], to: 'active' },
  terminate: { from: ['issued', 'active', 'suspended'], to: 'terminated' },
} as const satisfies Record<string, { from: readonly CredentialStatus[]; to: CredentialStatus }>;

export type CredentialOperation = keyof typeof CREDENTIAL_OPERATIONS;

/** The state an operation leads to, or MUSTER_ERR_CREDENTIAL_STATE naming the state that forbids it. */
export function nextCredentialStatus(operation: CredentialOperation, from: string, credential: string): CredentialStatus {
  const rule = CREDENTIAL_OPERATIONS[operation];
  if (!(rule.from as readonly string[]).includes(from)) {
    throw new MusterError('MUSTER_ERR_CREDENTIAL_STATE', `cannot ${operation} credential ${credential}: it is ${from} (${operation} needs ${rule.from.join(' or ')})`, [
      { field: 'status', value: from, message: `${operation} needs ${rule.from.join(' or ')}` },
    ]);
  }
  return rule.to;
}

/** Why a card's certificates are revoked when it is terminated (RFC 5280 reason names). */
export const TERMINATION_REASONS = {
  lost: 'keyCompromise',
  stolen: 'keyCompromise',
  compromised: 'keyCompromise',
  damaged: 'cessationOfOperation',
  superseded: 'superseded',
  left: 'affiliationChanged',
  withdrawn: 'privilegeWithdrawn',
} as const;

export type TerminationReason = keyof typeof TERMINATION_REASONS;

/** Card losses and replacements put recently bound derived credentials under review (SP 800-157r1 §2.3). */
export const REVIEW_REASONS: ReadonlySet<TerminationReason> = new Set(['lost', 'stolen', 'compromised', 'superseded']);

export function isTerminationReason(value: string): value is TerminationReason {
  return Object.hasOwn(TERMINATION_REASONS, value);
}

import { REAUTHENTICATION, type Aal } from '../../../core/federation/profile.ts';
import type { LoginRecord } from '../login-record.ts';
import { meetsAal } from './assurance.ts';

/** Why an OP session cannot answer an authorization request without a fresh sign-in; each is a check of the login prompt. */
export const LOGIN_REASONS = {
  noLogin: 'muster_no_login',
  identityInactive: 'muster_identity_inactive',
  reauthentication: 'muster_reauthentication',
  maxAge: 'muster_max_age',
  aal: 'muster_aal',
} as const;
export type LoginReason = (typeof LOGIN_REASONS)[keyof typeof LOGIN_REASONS];

/** Everything the decision looks at, read before it is made. */
export interface LoginSituation {
  /** The OP session's account, if it has one. */
  readonly accountId: string | undefined;
  /** muster's record of the session's sign-in. */
  readonly record: LoginRecord | undefined;
  /** The identity is active in the MUR now. */
  readonly identityActive: boolean;
  /** The sign-in was made for this very request (the interaction just finished). */
  readonly justSignedIn: boolean;
  /** The smallest of the request's `max_age` and the agreement's maximum authentication age, in seconds. */
  readonly maxAgeSeconds: number | undefined;
  readonly requiredAal: Aal;
  readonly now: Date;
}

const seconds = (from: Date, to: Date): number => (to.getTime() - from.getTime()) / 1000;

/** SP 800-63B-4 limits: overall since the sign-in, and since the session was last used. */
function pastLimits(record: LoginRecord, now: Date): boolean {
  const limits = REAUTHENTICATION[record.aal];
  return seconds(record.authTime, now) > limits.maxAgeSeconds || seconds(record.lastActiveAt, now) > limits.idleSeconds;
}

/**
 * The reasons a session needs a fresh sign-in; empty when it may be used as it is. A session without an account is
 * left to oidc-provider's own `no_session` check.
 */
export function loginReasons(s: LoginSituation): Set<LoginReason> {
  const reasons = new Set<LoginReason>();
  if (s.accountId === undefined) return reasons;
  const record = s.record;
  if (!record || record.endedAt !== null || record.identityId !== s.accountId) {
    reasons.add(LOGIN_REASONS.noLogin);
    return reasons;
  }
  if (!s.identityActive) reasons.add(LOGIN_REASONS.identityInactive);
  if (!s.justSignedIn && pastLimits(record, s.now)) reasons.add(LOGIN_REASONS.reauthentication);
  if (!s.justSignedIn && s.maxAgeSeconds !== undefined && seconds(record.authTime, s.now) > s.maxAgeSeconds) reasons.add(LOGIN_REASONS.maxAge);
  if (!meetsAal(record.aal, s.requiredAal)) reasons.add(LOGIN_REASONS.aal);
  return reasons;
}

/** The smaller of the request's `max_age` and the agreement's limit; undefined when neither sets one. */
export function effectiveMaxAge(requested: unknown, agreed: number | undefined): number | undefined {
  const asked = typeof requested === 'number' ? requested : typeof requested === 'string' && /^\d+$/.test(requested) ? Number(requested) : undefined;
  const limits = [asked, agreed].filter((v): v is number => v !== undefined);
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/**
 * What a TRUST record means for the holder's credentials (FIPS 201-3 §2.9.4; SP 800-157r1 §2.3; OPM credentialing standards, December 2020):
 * - `withdraw`: eligibility `unfavorable` or `none`, or investigation status `revoked` — every PIV card and Derived
 *   PIV credential ends (certificates revoked privilegeWithdrawn);
 * - `hold`: eligibility `pending` (an interim determination taken back) or investigation `expired` — everything is
 *   suspended (certificateHold) until eligibility is favorable again;
 * - `restore`: eligibility `favorable` with a current or in-progress investigation — what a hold took comes back;
 * - `keep`: anything else (e.g. `interim`) changes nothing.
 */
export type EligibilityEffect = 'withdraw' | 'hold' | 'restore' | 'keep';

export interface TrustFacts {
  readonly eligibility: string | undefined;
  readonly status: string | undefined;
}

const WITHDRAWN: ReadonlySet<string> = new Set(['unfavorable', 'none']);

export function eligibilityEffect(trust: TrustFacts): EligibilityEffect {
  if (WITHDRAWN.has(trust.eligibility ?? '') || trust.status === 'revoked') return 'withdraw';
  if (trust.eligibility === 'pending' || trust.status === 'expired') return 'hold';
  if (trust.eligibility === 'favorable') return 'restore';
  return 'keep';
}

/** The event a TRUST change raises besides `trust.changed` when it ends or holds credentials (urgent). */
export const ELIGIBILITY_EVENTS = { withdraw: 'trust.withdrawn', hold: 'trust.held' } as const;

import { AAL_VALUES, ACR, aalOfAcr, aalRank, type Aal, type CredentialType } from '../../../core/federation/profile.ts';
import type { AgreementDocument } from '../../../core/federation/agreement.ts';

/** The higher of two AALs. */
export function higherAal(a: Aal, b: Aal): Aal {
  return aalRank(a) >= aalRank(b) ? a : b;
}

/** Whether a sign-in at `have` meets `need`. */
export function meetsAal(have: Aal, need: Aal): boolean {
  return aalRank(have) >= aalRank(need);
}

/**
 * The AAL an authorization request needs: the agreement's minimum, raised by `acr_values` when every value the RP
 * named is one of muster's and all of them are above it (an RP that accepts aal2 or aal3 is satisfied by aal2).
 * Values muster does not know are left to the OP's own `acr` handling.
 */
export function requiredAal(agreement: AgreementDocument | undefined, acrValues: unknown): Aal {
  const floor: Aal = agreement?.assurance.aal.min ?? 'aal2';
  const asked = typeof acrValues === 'string' ? acrValues.split(' ').filter(Boolean) : [];
  const known = asked.map(aalOfAcr).filter((a): a is Aal => a !== undefined);
  if (known.length === 0 || known.length < asked.length) return floor;
  const lowestAsked = known.reduce((low, a) => (aalRank(a) < aalRank(low) ? a : low), AAL_VALUES[AAL_VALUES.length - 1] as Aal);
  return higherAal(floor, lowestAsked);
}

/** The authentication methods (RFC 8176) of a sign-in, by credential and AAL. */
export function amrOf(type: CredentialType, aal: Aal): string[] {
  if (type === 'piv_card') return ['hwk', 'sc', 'pin', 'mfa'];
  const key = aal === 'aal3' ? 'hwk' : 'swk';
  return type === 'derived_pki' ? [key, 'pin', 'mfa'] : [key, 'user', 'mfa'];
}

export function acrOf(aal: Aal): string {
  return ACR[aal];
}

import type { ReleasableAttribute } from '../../core/federation/profile.ts';
import type { IdentityState } from '../../core/identity/record.ts';
import type { Queryable } from '../../store/store.ts';
import { sectorOf, subjectAtRp } from '../subjects.ts';
import { affiliationsOf } from './population.ts';
import type { ProvisioningRecord } from './records.ts';
import { rpUserResource, type Json } from './scim-user.ts';
import type { Wanted } from './sync.ts';
import type { ProvisioningTarget } from './targets.ts';

/** The record of an account never pushed. */
export function blankRecord(identityId: string, clientId: string): ProvisioningRecord {
  return { identityId, clientId, sub: null, remoteId: null, state: 'terminated', pushed: null, syncedAt: null, extension: null };
}

/** The RP's pairwise subject identifier of the identity (the one it signs in under). */
export function subjectAt(db: Queryable, identity: IdentityState, rp: ProvisioningTarget['rp'], at: Date): Promise<string> {
  return subjectAtRp(db, identity.id, rp.clientId, sectorOf(rp.clientId, rp.sectorIdentifierUri), at);
}

/** The User resource the RP should hold: only the attributes its agreement lists. */
export function resourceFor(identity: IdentityState, target: ProvisioningTarget, sub: string, wanted: Wanted, withExtension: boolean): Json | undefined {
  if (wanted !== 'active' && wanted !== 'inactive') return undefined;
  const values = Object.fromEntries(Object.entries(identity.attributes).map(([name, a]) => [name, a.v]));
  const agreed = target.agreement.document.attributes.map((a) => a.name as ReleasableAttribute);
  const account = { sub, active: wanted === 'active', homeAgency: identity.attributes.home_agency?.v ?? null, affiliations: affiliationsOf(identity), lastUpdated: identity.lastUpdated, values };
  return rpUserResource(account, agreed, withExtension);
}

import type { HeldEntitlement } from '../../core/access/policy.ts';
import type { Tx } from '../../store/store.ts';
import { checkSeparationOfDuties as checkPolicies } from '../sod/exceptions.ts';

/** What is about to be granted, for the separation-of-duties check. */
export interface GrantToCheck {
  readonly requestId: string;
  readonly beneficiaryId: string;
  readonly item: string;
  readonly kind: string;
  readonly target: string | null;
  readonly entitlement: string | null;
  readonly role: string | null;
  readonly privileged: boolean;
}

/** The entitlement a grant gives, as the separation-of-duties policies name it (none for relying-party access). */
function grantedEntitlements(grant: GrantToCheck): HeldEntitlement[] {
  if (grant.role) return [{ role: grant.role }];
  if (grant.target && grant.entitlement) return [{ target: grant.target, group: grant.entitlement }];
  return [];
}

/**
 * Called in the granting transaction before a request becomes a grant (and before a mover's grant is approved
 * again): a combination of access a `separation` policy forbids, with no standing exception, refuses the grant with
 * MUSTER_ERR_SOD naming the policy and both sides, and nothing is written.
 */
export async function checkSeparationOfDuties(tx: Tx, grant: GrantToCheck, now: Date): Promise<void> {
  const requested = grantedEntitlements(grant);
  if (requested.length > 0) await checkPolicies(tx, grant.beneficiaryId, requested, now);
}

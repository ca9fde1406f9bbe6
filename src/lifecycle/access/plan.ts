import { type AccessChange, diffAccess, isEmptyChange } from '../../core/access/diff.ts';
import { type DesiredAccess, planAccess } from '../../core/access/evaluate.ts';
import type { Policy } from '../../core/access/policy.ts';
import type { CurrentAccess } from '../../core/access/diff.ts';
import type { Queryable } from '../../store/store.ts';
import { separationRules } from '../../core/access/sod.ts';
import { type SodRefusal, nameRevocations, refuseConflicts, withoutRevoked } from './limits.ts';
import { loadAccessLimits } from './limits-repository.ts';
import { requestedGrants } from './requested-grants.ts';
import { loadCurrentAccess, loadSubjects } from './subjects.ts';
import { type AccessTargets, isoDay } from './targets.ts';

/** One identity's access: what it has, what the policies give it, and the change between. */
export interface AccessPlan {
  readonly identityId: string;
  readonly current: CurrentAccess;
  readonly desired: DesiredAccess;
  readonly change: AccessChange;
  /** Grants separation of duties refused (audited as sod.refused; the rest of the change still flows). */
  readonly refused: readonly SodRefusal[];
}

/**
 * Plans the access of these identities under `policies` on `now`; `why` maps an identity to the
 * reason it is being recomputed. Identities that no longer exist are skipped. Access granted by request
 * (`requested-grants.ts`) is planned with the policies, for its beneficiary only. Entitlements a campaign revoked
 * stay away; a new grant that would break separation of duties is refused. Only plans with a change or a refusal
 * are returned.
 */
export async function planIdentities(db: Queryable, ids: readonly string[], policies: readonly Policy[], targets: AccessTargets, now: Date, why: (id: string) => string): Promise<AccessPlan[]> {
  const subjects = await loadSubjects(db, ids);
  const current = await loadCurrentAccess(db, [...subjects.keys()]);
  const limitsOf = await loadAccessLimits(db, [...subjects.keys()], now);
  const rules = separationRules(policies);
  const requested = await requestedGrants(db, [...subjects.keys()], now);
  const today = isoDay(now);
  const plans: AccessPlan[] = [];
  for (const [id, subject] of subjects) {
    const had = current.get(id) ?? { accounts: [], entitlements: [] };
    const limits = limitsOf(id);
    const planned = planAccess(subject, [...policies, ...(requested.get(id) ?? [])], targets.rules, today);
    const { desired, refused } = refuseConflicts(had, withoutRevoked(planned, limits), limits, rules);
    const change = nameRevocations(diffAccess(had, desired, why(id)), limits);
    if (!isEmptyChange(change) || refused.length > 0) plans.push({ identityId: id, current: had, desired, change, refused });
  }
  return plans.sort((a, b) => a.identityId.localeCompare(b.identityId));
}

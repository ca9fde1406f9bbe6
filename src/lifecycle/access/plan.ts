import { type AccessChange, diffAccess, isEmptyChange } from '../../core/access/diff.ts';
import { type DesiredAccess, planAccess } from '../../core/access/evaluate.ts';
import type { Policy } from '../../core/access/policy.ts';
import type { CurrentAccess } from '../../core/access/diff.ts';
import type { Queryable } from '../../store/store.ts';
import { requestedGrants } from './requested-grants.ts';
import { loadCurrentAccess, loadSubjects } from './subjects.ts';
import { type AccessTargets, isoDay } from './targets.ts';

/** One identity's access: what it has, what the policies give it, and the change between. */
export interface AccessPlan {
  readonly identityId: string;
  readonly current: CurrentAccess;
  readonly desired: DesiredAccess;
  readonly change: AccessChange;
}

/**
 * Plans the access of these identities under `policies` on `now`; `why` maps an identity to the
 * reason it is being recomputed. Identities that no longer exist are skipped. Only plans with a
 * change are returned. Access granted by request (`requested-grants.ts`) is planned with the policies, for its
 * beneficiary only.
 */
export async function planIdentities(db: Queryable, ids: readonly string[], policies: readonly Policy[], targets: AccessTargets, now: Date, why: (id: string) => string): Promise<AccessPlan[]> {
  const subjects = await loadSubjects(db, ids);
  const current = await loadCurrentAccess(db, [...subjects.keys()]);
  const requested = await requestedGrants(db, [...subjects.keys()], now);
  const today = isoDay(now);
  const plans: AccessPlan[] = [];
  for (const [id, subject] of subjects) {
    const had = current.get(id) ?? { accounts: [], entitlements: [] };
    const desired = planAccess(subject, [...policies, ...(requested.get(id) ?? [])], targets.rules, today);
    const change = diffAccess(had, desired, why(id));
    if (!isEmptyChange(change)) plans.push({ identityId: id, current: had, desired, change });
  }
  return plans.sort((a, b) => a.identityId.localeCompare(b.identityId));
}

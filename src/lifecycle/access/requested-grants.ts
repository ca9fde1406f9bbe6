import type { Policy } from '../../core/access/policy.ts';
import type { Queryable } from '../../store/store.ts';

/** The policy name of a granted access request: entitlements it gives carry it as their reason. */
export const REQUEST_PREFIX = 'request:';

/**
 * Access people were granted by request (docs/governance.md), as one birthright policy per grant that applies to
 * its beneficiary only: a granted request for a group in a target, before its end date, and for a just-in-time
 * grant only while an activation runs. Condition policies hold these back like any other entitlement.
 */
export async function requestedGrants({ db }: Queryable, identityIds: readonly string[], now: Date): Promise<Map<string, Policy[]>> {
  const out = new Map<string, Policy[]>();
  if (identityIds.length === 0) return out;
  const rows = await db
    .selectFrom('access_requests')
    .select(['id', 'beneficiary_id', 'item', 'target', 'entitlement', 'privileged'])
    .where('beneficiary_id', 'in', [...identityIds])
    .where('status', '=', 'granted')
    .where('kind', '=', 'group')
    .where('ends_at', '>', now)
    .where((eb) => eb.or([eb('jit', '=', false), eb('active_until', '>', now)]))
    .orderBy('id')
    .execute();
  for (const row of rows) {
    if (!row.target || !row.entitlement) continue;
    const policy: Policy = {
      name: `${REQUEST_PREFIX}${row.id}`,
      version: 1,
      document: { kind: 'birthright', description: `requested: ${row.item}`, when: [], grants: [{ target: row.target, groups: [{ name: row.entitlement, privileged: row.privileged }] }] },
    };
    out.set(row.beneficiary_id, [...(out.get(row.beneficiary_id) ?? []), policy]);
  }
  return out;
}

import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';

/** One grant separation of duties refused: the identity, the policy and the entitlement. */
export interface RefusalKey {
  readonly identityId: string;
  readonly policy: string;
  readonly target: string;
  readonly entitlement: string;
}

export const refusalKey = (r: RefusalKey): string => `${r.identityId} ${r.policy} ${r.target} ${r.entitlement}`;

/** Forgets the standing refusals of these identities that `standing` no longer holds. */
export async function forgetEndedRefusals({ db }: Queryable, identityIds: readonly string[], standing: readonly RefusalKey[]): Promise<void> {
  if (identityIds.length === 0) return;
  const col = (pick: (r: RefusalKey) => string) => standing.map(pick);
  await db
    .deleteFrom('sod_refusals')
    .where('identity_id', 'in', identityIds)
    .where(
      sql<boolean>`(identity_id, policy, target, entitlement) not in (select * from unnest(${col((r) => r.identityId)}::uuid[], ${col((r) => r.policy)}::text[], ${col((r) => r.target)}::text[], ${col((r) => r.entitlement)}::text[]))`,
    )
    .execute();
}

/** Records these refusals: a new one is inserted, one already standing counts a repeat. Answers the keys of the new ones. */
export async function recordRefusals({ db }: Queryable, refusals: readonly RefusalKey[], now: Date): Promise<Set<string>> {
  const unique = [...new Map(refusals.map((r) => [refusalKey(r), r])).values()];
  if (unique.length === 0) return new Set();
  const rows = await db
    .insertInto('sod_refusals')
    .values(unique.map((r) => ({ identity_id: r.identityId, policy: r.policy, target: r.target, entitlement: r.entitlement, first_refused_at: now, last_refused_at: now })))
    .onConflict((oc) => oc.columns(['identity_id', 'policy', 'target', 'entitlement']).doUpdateSet({ repeats: sql`sod_refusals.repeats + 1`, last_refused_at: now }))
    .returning(['identity_id', 'policy', 'target', 'entitlement', sql<boolean>`xmax = 0`.as('inserted')])
    .execute();
  return new Set(rows.filter((r) => r.inserted).map((r) => refusalKey({ identityId: r.identity_id, policy: r.policy, target: r.target, entitlement: r.entitlement })));
}

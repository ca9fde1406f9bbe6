import type { Queryable } from '../../store/store.ts';

/** Which of these targets these identities hold an account in that muster keeps (not archived), one row per account. */
export async function accountTargetsOf({ db }: Queryable, identityIds: readonly string[], targets: readonly string[]): Promise<{ target: string; identityId: string }[]> {
  if (identityIds.length === 0 || targets.length === 0) return [];
  const rows = await db
    .selectFrom('accounts')
    .select(['target', 'identity_id'])
    .where('identity_id', 'in', [...identityIds])
    .where('target', 'in', [...targets])
    .where('status', '<>', 'archived')
    .orderBy('target')
    .execute();
  return rows.map((r) => ({ target: r.target, identityId: r.identity_id as string }));
}

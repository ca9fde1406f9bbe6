import type { ChangeSet } from './change-set.ts';
import type { Queryable } from '../store/store.ts';

/** The ids of `ids` under an active hold (placed by a security officer; no source can lift it). */
export async function heldIdentities(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.query<{ identity_id: string }>('SELECT identity_id FROM identity_holds WHERE released_at IS NULL AND identity_id = ANY($1::uuid[])', [ids]);
  return new Set(rows.map((r) => r.identity_id));
}

/** Remembers on the active hold the status a source asked for, the status a release returns to. */
export function keepSourceStatus(changes: ChangeSet, identityId: string, status: string): void {
  changes.rows.push({
    table: 'identity_holds',
    count: 1,
    write: async (tx) => {
      await tx.db.updateTable('identity_holds').set({ source_status: status }).where('identity_id', '=', identityId).where('released_at', 'is', null).execute();
    },
  });
}

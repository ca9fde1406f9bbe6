import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';

export interface DueRow {
  readonly id: string;
  readonly full_name: string | null;
  readonly terminated_at: Date;
}

/** Terminated identities whose termination is at or before `cutoff`, oldest first. */
export function dueForArchive({ db }: Queryable, cutoff: Date, limit: number): Promise<DueRow[]> {
  const terminatedAt = sql<Date>`(select max(h.at) from status_history h where h.identity_id = i.id and h.to_status = 'terminated')`;
  return db
    .selectFrom('identities as i')
    .select(['i.id', sql<string | null>`i.attributes->'full_name'->>'v'`.as('full_name'), terminatedAt.as('terminated_at')])
    .where('i.status', '=', 'terminated')
    .where(terminatedAt, '<=', cutoff)
    .orderBy(terminatedAt)
    .orderBy('i.id')
    .limit(limit)
    .execute();
}

/** Moves these identities (still terminated) to archived, with a status history row and an `identity.archived` event each. */
export async function archiveIdentities({ db }: Queryable, ids: readonly string[], reason: string, correlationId: string, now: Date): Promise<string[]> {
  if (ids.length === 0) return [];
  const moved = await db
    .updateTable('identities')
    .set((eb) => ({ status: 'archived', updated_at: now, version: eb('version', '+', 1) }))
    .where('id', 'in', ids)
    .where('status', '=', 'terminated')
    .returning('id')
    .execute();
  const done = moved.map((r) => r.id);
  if (done.length === 0) return [];
  const events = await db
    .insertInto('events')
    .values(
      done.map((id) => ({ type: 'identity.archived', identity_id: id, payload: JSON.stringify({ from: 'terminated', to: 'archived', reason }), correlation_id: correlationId, occurred_at: now })),
    )
    .returning(['id', 'identity_id'])
    .execute();
  await db
    .insertInto('status_history')
    .values(events.map((e) => ({ identity_id: e.identity_id as string, from_status: 'terminated', to_status: 'archived', reason, source: 'muster:governance', event_id: e.id, at: now })))
    .execute();
  return done;
}

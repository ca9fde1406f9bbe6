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

/** Moves these identities (still terminated) to archived, with a status history row and an `identity.archived` event each; answers the event of each. */
export async function archiveIdentities({ db }: Queryable, ids: readonly string[], reason: string, correlationId: string, now: Date): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const moved = await db
    .updateTable('identities')
    .set((eb) => ({ status: 'archived', updated_at: now, version: eb('version', '+', 1) }))
    .where('id', 'in', ids)
    .where('status', '=', 'terminated')
    .returning('id')
    .execute();
  const done = moved.map((r) => r.id);
  if (done.length === 0) return new Map();
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
  return new Map(events.map((e) => [e.identity_id as string, Number(e.id)]));
}

/** An account the archive deletes: the identity's account in a target whose policy says `deleteOnArchive`. */
export interface DeletionRow {
  readonly identity_id: string;
  readonly target: string;
  readonly account_ref: string;
}

/** The accounts of these identities in these targets not yet deleted (what the dry run shows). */
export function accountsToDelete({ db }: Queryable, ids: readonly string[], targets: readonly string[]): Promise<DeletionRow[]> {
  if (ids.length === 0 || targets.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('accounts')
    .select(['identity_id as identity_id', 'target', 'account_ref'])
    .where('identity_id', 'in', ids)
    .where('target', 'in', targets)
    .where('status', '<>', 'deleted')
    .orderBy('identity_id')
    .orderBy('target')
    .execute() as Promise<DeletionRow[]>;
}

/**
 * Marks the accounts of these identities in these targets `deleted` and queues one provisioning operation per
 * account (folded into one already pending): provisioning deletes each through its connector. The rows stay.
 */
export async function queueDeletions({ db }: Queryable, events: ReadonlyMap<string, number>, targets: readonly string[], reason: string, now: Date): Promise<DeletionRow[]> {
  const ids = [...events.keys()];
  if (ids.length === 0 || targets.length === 0) return [];
  const marked = (await db
    .updateTable('accounts')
    .set((eb) => ({ status: 'deleted', deleted_at: now, updated_at: now, desired_version: eb('desired_version', '+', 1) }))
    .where('identity_id', 'in', ids)
    .where('target', 'in', targets)
    .where('status', '<>', 'deleted')
    .returning(['identity_id', 'target', 'account_ref'])
    .execute()) as DeletionRow[];
  if (marked.length === 0) return [];
  await db
    .insertInto('provisioning_ops')
    .values(
      marked.map((a) => ({ target: a.target, identity_id: a.identity_id, reason, status: 'pending', run_after: now, created_at: now, updated_at: now, event_id: events.get(a.identity_id) ?? null })),
    )
    .onConflict((oc) => oc.columns(['target', 'identity_id']).where('status', '=', 'pending').doNothing())
    .execute();
  // the pending operation carries the archive's event, so the deletion shows in the identity's causal thread
  const ops = await db.selectFrom('provisioning_ops').select(['id', 'identity_id']).where('status', '=', 'pending').where('identity_id', 'in', ids).where('target', 'in', targets).execute();
  const causes = ops.flatMap((o) => {
    const eventId = events.get(o.identity_id);
    return eventId === undefined ? [] : [{ op_id: o.id, event_id: eventId }];
  });
  if (causes.length > 0)
    await db
      .insertInto('provisioning_op_events')
      .values(causes)
      .onConflict((oc) => oc.columns(['op_id', 'event_id']).doNothing())
      .execute();
  return marked;
}

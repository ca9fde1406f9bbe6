import { sql } from 'kysely';
import type { Queryable, Tx } from '../../store/store.ts';

/**
 * The events a provisioning operation carries. An operation keeps the event that queued it
 * (`provisioning_ops.event_id`); a newer change for the same account folds into the pending
 * operation, and every event it carries, the first included, has a row in `provisioning_op_events`.
 */

/** One event an operation carries, with the correlation id of the request that caused it. */
export interface OpCause {
  readonly eventId: number;
  readonly correlationId: string;
}

/** The account an event asks to bring in line. */
export interface AccountCause {
  readonly target: string;
  readonly identityId: string;
  readonly eventId: number;
}

/** Records that the pending operation of each (target, identity) carries the event; once per pair. */
export async function recordOpEvents({ db }: Tx, causes: readonly AccountCause[]): Promise<void> {
  if (causes.length === 0) return;
  const [targets, identities, events] = [causes.map((c) => c.target), causes.map((c) => c.identityId), causes.map((c) => c.eventId)];
  await sql`INSERT INTO provisioning_op_events (op_id, event_id)
    SELECT o.id, u.e FROM unnest(${targets}::text[], ${identities}::uuid[], ${events}::bigint[]) AS u(t, i, e)
    JOIN provisioning_ops o ON o.target = u.t AND o.identity_id = u.i AND o.status = 'pending'
    ON CONFLICT (op_id, event_id) DO NOTHING`.execute(db);
}

/** A retried operation folded into a newer pending one for the same account: the pending one carries its events on. */
export async function carryOpEvents({ db }: Tx, fromOpId: number, target: string, identityId: string): Promise<void> {
  await db
    .insertInto('provisioning_op_events')
    .columns(['op_id', 'event_id'])
    .expression(
      db
        .selectFrom('provisioning_op_events as f')
        .innerJoin('provisioning_ops as o', (j) => j.on('o.target', '=', target).on('o.identity_id', '=', identityId).on('o.status', '=', 'pending'))
        .where('f.op_id', '=', fromOpId)
        .select(['o.id', 'f.event_id']),
    )
    .onConflict((oc) => oc.columns(['op_id', 'event_id']).doNothing())
    .execute();
}

/** The events each operation carries, oldest first, with their requests' correlation ids. */
export async function opCauses({ db }: Queryable, opIds: readonly number[]): Promise<Map<number, OpCause[]>> {
  const causes = new Map<number, OpCause[]>();
  if (opIds.length === 0) return causes;
  const rows = await db
    .selectFrom('provisioning_op_events as p')
    .innerJoin('events as e', 'e.id', 'p.event_id')
    .select(['p.op_id', 'p.event_id', 'e.correlation_id'])
    .where('p.op_id', 'in', opIds)
    .orderBy('p.op_id')
    .orderBy('p.event_id')
    .execute();
  for (const r of rows) causes.set(r.op_id, [...(causes.get(r.op_id) ?? []), { eventId: r.event_id, correlationId: r.correlation_id }]);
  return causes;
}

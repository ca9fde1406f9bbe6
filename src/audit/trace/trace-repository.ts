import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';

/**
 * The rows of one causal thread, read with Kysely: a domain event, the rows that name it (jobs, provisioning
 * operations through provisioning_op_events, SETs, tickets, revoked certificates, events its jobs made) and the audit
 * entries of its request. Each query goes through an index on the event id or the correlation id.
 */

export function eventById({ db }: Queryable, id: number) {
  return db.selectFrom('events').select(['id', 'type', 'identity_id', 'correlation_id', 'occurred_at', 'cause_event_id']).where('id', '=', id).executeTakeFirst();
}

export type EventRow = NonNullable<Awaited<ReturnType<typeof eventById>>>;

/** The events of an identity since `since`, oldest first. */
export function eventsOfIdentity({ db }: Queryable, identityId: string, since: Date, limit: number): Promise<EventRow[]> {
  return db
    .selectFrom('events')
    .select(['id', 'type', 'identity_id', 'correlation_id', 'occurred_at', 'cause_event_id'])
    .where('identity_id', '=', identityId)
    .where('occurred_at', '>=', since)
    .orderBy('occurred_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Events the jobs of `eventId` made. */
export function eventsCausedBy({ db }: Queryable, eventId: number): Promise<EventRow[]> {
  return db.selectFrom('events').select(['id', 'type', 'identity_id', 'correlation_id', 'occurred_at', 'cause_event_id']).where('cause_event_id', '=', eventId).orderBy('id').execute();
}

export function statusMoveOf({ db }: Queryable, eventId: number) {
  return db.selectFrom('status_history').select(['from_status', 'to_status', 'reason', 'source', 'effective_at']).where('event_id', '=', eventId).orderBy('id').limit(1).executeTakeFirst();
}

export function jobsOf({ db }: Queryable, eventId: number) {
  return db.selectFrom('jobs').select(['id', 'kind', 'status', 'attempts', 'created_at', 'updated_at', 'last_error']).where('event_id', '=', eventId).orderBy('id').execute();
}

/** The operations that carried the event (queued by it, or folded into), each with every event it carried. */
export function operationsOf({ db }: Queryable, eventId: number) {
  return db
    .selectFrom('provisioning_ops as o')
    .select(['o.id', 'o.target', 'o.status', 'o.attempts', 'o.reason', 'o.created_at', 'o.updated_at', 'o.done_at', 'o.last_error'])
    .select((eb) =>
      eb.selectFrom('provisioning_op_events as c').select(sql<number[]>`coalesce(array_agg(c.event_id ORDER BY c.event_id), '{}')`.as('ids')).whereRef('c.op_id', '=', 'o.id').as('event_ids'),
    )
    .where((eb) => eb('o.id', 'in', eb.selectFrom('provisioning_op_events').select('op_id').where('event_id', '=', eventId)))
    .orderBy('o.id')
    .execute();
}

export function revocationsOf({ db }: Queryable, eventId: number) {
  return db
    .selectFrom('certificates')
    .select(['serial', 'profile', 'reason', 'revoked_at', sql<string>`credential_id::text`.as('credential_id')])
    .where('revocation_event_id', '=', eventId)
    .orderBy('revoked_at')
    .orderBy('serial')
    .execute();
}

export function signalsOf({ db }: Queryable, eventId: number) {
  return db
    .selectFrom('ssf_events')
    .select(['jti', 'client_id', 'event_type', 'state', 'attempts', 'created_at', 'delivered_at', 'last_error'])
    .where('event_id', '=', eventId)
    .orderBy('seq')
    .execute();
}

export function ticketsOf({ db }: Queryable, eventId: number) {
  return db.selectFrom('tickets').select(['id', 'target', 'operation', 'status', 'outcome', 'opened_at', 'closed_at']).where('event_id', '=', eventId).orderBy('opened_at').orderBy('id').execute();
}

function entries(db: Queryable['db']) {
  return db.selectFrom('audit_log').select(['seq', 'at', 'actor', 'action', 'target', 'reason', 'correlation_id', 'data']);
}

export type EntryRow = Awaited<ReturnType<ReturnType<typeof entries>['execute']>>[number];

/**
 * The entries of the event's request that name the event (`data.event_id`, or among `data.event_ids`), and those about
 * its identity that name no event. A request that changed many identities (an import) shares one correlation id: the
 * filter keeps this event's part of it, each part read through its own index (migration 029), not the whole request.
 */
export async function entriesOfEvent({ db }: Queryable, correlationId: string, eventId: number, identityId: string | null): Promise<EntryRow[]> {
  const ofRequest = entries(db).where('correlation_id', '=', correlationId);
  // one after another: `db` may be a transaction's single connection
  const named = await ofRequest.where(sql<string>`data->>'event_id'`, '=', String(eventId)).execute();
  const among = await ofRequest.where(sql<boolean>`data::jsonb ? 'event_ids'`).where(sql<boolean>`(data::jsonb -> 'event_ids') @> to_jsonb(${eventId}::bigint)`).execute();
  const about = identityId === null ? [] : await ofRequest.where('target', '=', identityId).where(sql<boolean>`data->>'event_id' IS NULL`).execute();
  const bySeq = new Map([...named, ...among, ...about].map((e) => [String(e.seq), e]));
  return [...bySeq.values()].sort((a, b) => Number(a.seq) - Number(b.seq));
}

/** Entries about these operations written under other requests (an operation carrying several events goes under the newest one's). */
export function entriesOfOperations({ db }: Queryable, correlationIds: readonly string[], opIds: readonly number[]): Promise<EntryRow[]> {
  if (correlationIds.length === 0 || opIds.length === 0) return Promise.resolve([]);
  return (
    entries(db)
      .where('correlation_id', 'in', correlationIds)
      .where('action', 'like', 'provision.%')
      // as text, through the index on the request and the operation (migration 029)
      .where(sql<string>`data->>'op_id'`, 'in', opIds.map(String))
      .orderBy('seq')
      .execute()
  );
}

/** The correlation ids of these events. */
export async function correlationsOf({ db }: Queryable, eventIds: readonly number[]): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const rows = await db.selectFrom('events').select('correlation_id').distinct().where('id', 'in', eventIds).execute();
  return rows.map((r) => r.correlation_id);
}

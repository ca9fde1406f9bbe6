import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';

/** The domain event whose enforcement the report times. */
export const LEAVER_EVENT = 'identity.leaver';

export interface LatencyRow {
  /** `target:<name>` (the account disabled or removed), `rp-set` (a SET delivered to a relying party) or `certificate-revocation` */
  readonly point: string;
  /** leavers whose thread reached this point */
  readonly leavers: number;
  readonly p50_seconds: number;
  readonly p99_seconds: number;
  readonly max_seconds: number;
}

const seconds = (end: string) => sql<number>`max(extract(epoch from (${sql.ref(end)} - t.occurred_at)))::float8`;

/**
 * From each `identity.leaver` event at or after `since` to the last completion at each enforcement point its causal
 * thread (the event, and the events its jobs made) reached: target operations done, SETs delivered, certificates
 * revoked; then p50, p99 and max per point. One query.
 */
export function leaverLatency({ db }: Queryable, since: Date): Promise<LatencyRow[]> {
  return db
    .with('leavers', (q) => q.selectFrom('events').select(['id', 'occurred_at']).where('type', '=', LEAVER_EVENT).where('occurred_at', '>=', since))
    .with('thread', (q) =>
      q
        .selectFrom('leavers as l')
        .select(['l.id as leaver_id', 'l.occurred_at', 'l.id as event_id'])
        .unionAll(q.selectFrom('leavers as l').innerJoin('events as e', 'e.cause_event_id', 'l.id').select(['l.id as leaver_id', 'l.occurred_at', 'e.id as event_id'])),
    )
    .with('reached', (q) =>
      q
        .selectFrom('thread as t')
        .innerJoin('provisioning_op_events as pe', 'pe.event_id', 't.event_id')
        .innerJoin('provisioning_ops as o', 'o.id', 'pe.op_id')
        .where('o.status', '=', 'done')
        .where('o.done_at', 'is not', null)
        .select([sql<string>`'target:' || o.target`.as('point'), 't.leaver_id', seconds('o.done_at').as('seconds')])
        .groupBy(['o.target', 't.leaver_id'])
        .unionAll(
          q
            .selectFrom('thread as t')
            .innerJoin('ssf_events as s', 's.event_id', 't.event_id')
            .where('s.delivered_at', 'is not', null)
            .select([sql<string>`'rp-set'`.as('point'), 't.leaver_id', seconds('s.delivered_at').as('seconds')])
            .groupBy('t.leaver_id'),
        )
        .unionAll(
          q
            .selectFrom('thread as t')
            .innerJoin('certificates as c', 'c.revocation_event_id', 't.event_id')
            .where('c.revoked_at', 'is not', null)
            .select([sql<string>`'certificate-revocation'`.as('point'), 't.leaver_id', seconds('c.revoked_at').as('seconds')])
            .groupBy('t.leaver_id'),
        ),
    )
    .selectFrom('reached')
    .select([
      'point',
      sql<number>`count(*)::int`.as('leavers'),
      sql<number>`(percentile_cont(0.5) within group (order by seconds))::float8`.as('p50_seconds'),
      sql<number>`(percentile_cont(0.99) within group (order by seconds))::float8`.as('p99_seconds'),
      sql<number>`max(seconds)::float8`.as('max_seconds'),
    ])
    .groupBy('point')
    .orderBy('point')
    .execute();
}

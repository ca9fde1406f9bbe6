import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import { sql } from 'kysely';
import type { Backoff, RandomSource } from '../../queue/backoff.ts';
import { claimRows } from '../../queue/claim-repository.ts';
import { DurableQueue, type QueueItem, type QueueTable } from '../../queue/durable-queue.ts';
import type { Resolver } from '../../connectors/outbound/index.ts';
import { agreementOfClient } from '../../federation/agreements.ts';
import type { Store } from '../../store/store.ts';
import { rpFetch } from '../rp-outbound.ts';
import { type PushOutcome, pushSet } from './push.ts';
import { CONTROL_EVENTS, type SetRow, markDelivered, markFailed, scheduleRetry, setOf } from './set-rows.ts';
import { PUSH_METHOD, type StreamDelivery } from './stream-rows.ts';
import { TRANSMITTER_ACTOR } from './transmitter.ts';

export interface PushDeliveryOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly random?: RandomSource;
  /** Claimed SETs are left alone by other workers this long (a crashed worker's claims come back after it). */
  readonly leaseMs: number;
  readonly batchSize: number;
  /** How receivers' host names are resolved before muster connects (`dns.lookup` unless injected). */
  readonly resolver?: Resolver;
}

export interface ClaimedSet extends SetRow, QueueItem {
  readonly delivery: StreamDelivery;
}

/** What became of one SET: delivered, refused (400), retry later, or given up after the last attempt. */
export interface DeliveryOutcome {
  readonly jti: string;
  readonly clientId: string;
  readonly eventType: string;
  readonly attempt: number;
  readonly result: 'delivered' | 'refused' | 'retry' | 'failed';
  readonly error?: string;
}

/**
 * The SETs due for push as a durable queue: on each push stream, only the oldest one not yet delivered (so a stream's
 * SETs arrive in order), and only while the stream is enabled (control events go whatever the status). A claim moves
 * `next_attempt_at` past the lease, so another worker — or this one after a restart — takes it only when the lease has
 * run out. Each SET carries the event that caused it and that event's correlation id.
 */
export const SET_QUEUE: QueueTable<ClaimedSet> = {
  name: 'signals',
  async claim(db, claim) {
    const until = new Date(claim.now.getTime() + claim.leaseMs);
    const rows = await claimRows(db, {
      table: 'ssf_events',
      id: 'jti',
      due: sql`c.state = 'pending' AND c.next_attempt_at <= ${claim.now}
        AND EXISTS (SELECT 1 FROM ssf_streams s WHERE s.stream_id = c.stream_id AND s.config->'delivery'->>'method' = ${PUSH_METHOD}
          AND (s.status = 'enabled' OR c.event_type = ANY(${CONTROL_EVENTS}::text[])))
        AND NOT EXISTS (SELECT 1 FROM ssf_events p WHERE p.stream_id = c.stream_id AND p.state = 'pending' AND p.seq < c.seq)`,
      order: sql`c.seq`,
      set: sql`attempts = q.attempts + 1, next_attempt_at = ${until}`,
      returning: sql`q.*, (SELECT s.config->'delivery' FROM ssf_streams s WHERE s.stream_id = q.stream_id) AS delivery,
        (SELECT v.correlation_id FROM events v WHERE v.id = q.event_id) AS correlation_id`,
      limit: claim.limit,
    });
    return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map((r) => ({ ...setOf(r), delivery: r.delivery as StreamDelivery }));
  },
  stats: (now) => ({
    table: 'ssf_events',
    waiting: sql`state = 'pending'`,
    claimed: sql`state = 'pending' AND attempts > 0 AND next_attempt_at > ${now}`,
    dead: sql`state = 'failed'`,
    queuedAt: 'created_at',
  }),
};

/** The delivery queue over these options (the SET table has no claimer column: the lease is next_attempt_at). */
export function setQueue(o: PushDeliveryOptions): DurableQueue<ClaimedSet> {
  const random = o.random ? { random: o.random } : {};
  return new DurableQueue({ store: o.store, clock: o.clock, table: SET_QUEUE, workerId: 'signals', leaseMs: o.leaseMs, maxAttempts: o.maxAttempts, backoff: o.backoff, ...random });
}

/** Claims the SETs due for push (see SET_QUEUE). */
export function claimDuePushes(o: PushDeliveryOptions): Promise<ClaimedSet[]> {
  return setQueue(o).claim(o.batchSize);
}

/** Pushes one claimed SET and records what came of it. */
export async function deliverClaimed(o: PushDeliveryOptions, set: ClaimedSet): Promise<DeliveryOutcome> {
  const target = { endpointUrl: set.delivery.endpoint_url ?? '', timeoutMs: o.timeoutMs, ...(set.delivery.authorization_header ? { authorizationHeader: set.delivery.authorization_header } : {}) };
  const rp = (await agreementOfClient(o.store, set.clientId))?.rp;
  const outcome = await pushSet(target, set.jwt, rpFetch(rp, { timeoutMs: o.timeoutMs, ...(o.resolver ? { resolver: o.resolver } : {}) }));
  return recordOutcome(o, set, outcome);
}

async function recordOutcome(o: PushDeliveryOptions, set: ClaimedSet, outcome: PushOutcome): Promise<DeliveryOutcome> {
  const base = { jti: set.jti, clientId: set.clientId, eventType: set.eventType, attempt: set.attempts };
  // the entry joins the thread of the request whose event caused the SET
  const correlationId = set.correlationId ?? `ssf-${set.jti}`;
  const cause = set.eventId === null ? {} : { event_id: set.eventId };
  const now = o.clock.now();
  return o.store.transaction(async (tx) => {
    if (outcome.kind === 'delivered') {
      await markDelivered(tx, [set.jti], set.streamId, now);
      return { ...base, result: 'delivered' as const };
    }
    if (outcome.kind === 'refused') {
      const error = `${outcome.err}: ${outcome.description}`.replace(/: $/, '');
      await markFailed(tx, set.jti, `refused by the receiver: ${error}`);
      await o.audit.append(
        tx,
        [
          {
            actor: TRANSMITTER_ACTOR,
            action: 'ssf.push.refused',
            target: `stream:${set.streamId}`,
            reason: error,
            data: { jti: set.jti, client_id: set.clientId, event: set.eventType, err: outcome.err, description: outcome.description, ...cause },
          },
        ],
        correlationId,
      );
      return { ...base, result: 'refused' as const, error };
    }
    const next = setQueue(o).afterFailure(set);
    if (!next.retry) {
      await markFailed(tx, set.jti, `gave up after ${set.attempts} attempts: ${outcome.error}`);
      await o.audit.append(
        tx,
        [
          {
            actor: TRANSMITTER_ACTOR,
            action: 'ssf.push.failed',
            target: `stream:${set.streamId}`,
            reason: outcome.error,
            data: { jti: set.jti, client_id: set.clientId, event: set.eventType, attempts: set.attempts, ...cause },
          },
        ],
        correlationId,
      );
      return { ...base, result: 'failed' as const, error: outcome.error };
    }
    await scheduleRetry(tx, set.jti, outcome.error, next.runAfter);
    return { ...base, result: 'retry' as const, error: outcome.error };
  });
}

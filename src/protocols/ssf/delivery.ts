import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import { type Backoff, type RandomSource, backoffDelay } from '../../lifecycle/backoff.ts';
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

export interface ClaimedSet extends SetRow {
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
 * Claims the SETs due for push: on each push stream, only the oldest one not yet delivered (so a stream's SETs
 * arrive in order), and only while the stream is enabled (control events go whatever the status). A claim moves
 * `next_attempt_at` past the lease, so another worker — or this one after a restart — takes it only when the
 * lease has run out. With several connections the claim skips rows other workers hold.
 */
export async function claimDuePushes(o: PushDeliveryOptions): Promise<ClaimedSet[]> {
  const now = o.clock.now();
  const lock = o.store.capabilities.skipLocked ? 'FOR UPDATE OF e SKIP LOCKED' : '';
  return o.store.transaction(async (tx) => {
    const rows = await tx.query(
      `SELECT e.*, s.config->'delivery' AS delivery, (SELECT v.correlation_id FROM events v WHERE v.id = e.event_id) AS correlation_id
       FROM ssf_events e JOIN ssf_streams s ON s.stream_id = e.stream_id
       WHERE e.state = 'pending' AND e.next_attempt_at <= $1 AND s.config->'delivery'->>'method' = $2
         AND (s.status = 'enabled' OR e.event_type = ANY($3))
         AND NOT EXISTS (SELECT 1 FROM ssf_events p WHERE p.stream_id = e.stream_id AND p.state = 'pending' AND p.seq < e.seq)
       ORDER BY e.seq LIMIT $4 ${lock}`,
      [now, PUSH_METHOD, CONTROL_EVENTS, o.batchSize],
    );
    if (rows.length === 0) return [];
    const until = new Date(now.getTime() + o.leaseMs);
    await tx.query('UPDATE ssf_events SET attempts = attempts + 1, next_attempt_at = $2 WHERE jti = ANY($1)', [rows.map((r) => r.jti), until]);
    return rows.map((r) => ({ ...setOf(r), attempts: Number(r.attempts) + 1, delivery: r.delivery as StreamDelivery }));
  });
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
    if (set.attempts >= o.maxAttempts) {
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
    const delay = backoffDelay(set.attempts, o.backoff, o.random ?? Math.random);
    await scheduleRetry(tx, set.jti, outcome.error, new Date(now.getTime() + delay));
    return { ...base, result: 'retry' as const, error: outcome.error };
  });
}

import { z } from 'zod';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import { MusterError } from '../../core/errors.ts';
import type { Store, Tx } from '../../store/store.ts';
import { CONTROL_EVENTS, markDelivered, markFailed } from './set-rows.ts';
import { parseBody } from './stream-config.ts';
import { POLL_METHOD, type StreamRow } from './stream-rows.ts';
import { receiverActor } from './transmitter.ts';

/** The most SETs one poll answer carries. */
export const MAX_POLL_EVENTS = 100;

const pollBody = z.looseObject({
  maxEvents: z.number().int().min(0).max(10_000).optional(),
  returnImmediately: z.boolean().optional(),
  ack: z.array(z.string().min(1).max(256)).max(10_000).optional(),
  setErrs: z.record(z.string().min(1).max(256), z.looseObject({ err: z.string(), description: z.string().optional() })).optional(),
});

export interface PollAnswer {
  readonly sets: Record<string, string>;
  readonly moreAvailable: boolean;
}

export interface PollDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
}

/**
 * One poll request (RFC 8936 §2): acknowledged SETs are delivered, SETs the receiver reports errors for are failed
 * (audited), and up to `maxEvents` SETs still unacknowledged are returned, oldest first — the same ones again until
 * they are acknowledged. Always answers at once (long polling is not offered).
 */
export async function pollStream(deps: PollDeps, stream: StreamRow, body: unknown, correlationId: string): Promise<PollAnswer> {
  const input = parseBody(pollBody, body);
  if (stream.config.delivery.method !== POLL_METHOD) {
    throw new MusterError('MUSTER_ERR_SSF_STREAM', `stream ${stream.streamId} delivers by push, not poll`, [
      { field: 'delivery.method', value: stream.config.delivery.method, message: 'not a poll stream' },
    ]);
  }
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const acked = await markDelivered(tx, input.ack ?? [], stream.streamId, now);
    const errors = await recordSetErrors(tx, deps, stream, input.setErrs ?? {}, correlationId);
    if (acked.length > 0 || errors > 0) {
      await deps.audit.append(
        tx,
        [
          {
            actor: receiverActor(stream.clientId),
            action: 'ssf.poll.acknowledged',
            target: `stream:${stream.streamId}`,
            reason: `${acked.length} SET(s) acknowledged, ${errors} reported in error`,
            data: { acked },
          },
        ],
        correlationId,
      );
    }
    return pendingSets(tx, stream, Math.min(input.maxEvents ?? MAX_POLL_EVENTS, MAX_POLL_EVENTS));
  });
}

async function recordSetErrors(tx: Tx, deps: PollDeps, stream: StreamRow, setErrs: Record<string, { err: string; description?: string | undefined }>, correlationId: string): Promise<number> {
  const entries = Object.entries(setErrs);
  const known = new Set(
    (await tx.query<{ jti: string }>("SELECT jti FROM ssf_events WHERE jti = ANY($1) AND stream_id = $2 AND state = 'pending'", [entries.map(([jti]) => jti), stream.streamId])).map((r) => r.jti),
  );
  const reported = entries.filter(([jti]) => known.has(jti));
  for (const [jti, e] of reported) await markFailed(tx, jti, `refused by the receiver: ${e.err}${e.description ? `: ${e.description}` : ''}`);
  if (reported.length > 0) {
    await deps.audit.append(
      tx,
      reported.map(([jti, e]) => ({
        actor: receiverActor(stream.clientId),
        action: 'ssf.poll.set_error',
        target: `stream:${stream.streamId}`,
        reason: `${e.err}${e.description ? `: ${e.description}` : ''}`,
        data: { jti, err: e.err },
      })),
      correlationId,
    );
  }
  return reported.length;
}

async function pendingSets(tx: Tx, stream: StreamRow, max: number): Promise<PollAnswer> {
  if (max === 0) return { sets: {}, moreAvailable: (await countPending(tx, stream)) > 0 };
  const rows = await tx.query<{ jti: string; set_jwt: string }>(
    `SELECT jti, set_jwt FROM ssf_events WHERE stream_id = $1 AND state = 'pending' AND ($2 OR event_type = ANY($3)) ORDER BY seq LIMIT $4`,
    [stream.streamId, stream.status === 'enabled', CONTROL_EVENTS, max + 1],
  );
  const page = rows.slice(0, max);
  if (page.length > 0) await tx.query('UPDATE ssf_events SET attempts = attempts + 1 WHERE jti = ANY($1)', [page.map((r) => r.jti)]);
  return { sets: Object.fromEntries(page.map((r) => [r.jti, r.set_jwt])), moreAvailable: rows.length > max };
}

async function countPending(tx: Tx, stream: StreamRow): Promise<number> {
  const [row] = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM ssf_events WHERE stream_id = $1 AND state = 'pending'", [stream.streamId]);
  return row?.n ?? 0;
}

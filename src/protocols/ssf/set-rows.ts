import type { Queryable } from '../../store/store.ts';
import { SSF_STREAM_UPDATED_EVENT, SSF_VERIFICATION_EVENT } from '../../core/federation/profile.ts';

/** `ssf_events.state`: pending (to deliver), held (stream paused), delivered, failed (given up or refused). */
export type SetState = 'pending' | 'held' | 'delivered' | 'failed';

/** Control events reach the receiver whatever the stream's status (they tell it about the status). */
export const CONTROL_EVENTS: readonly string[] = [SSF_VERIFICATION_EVENT, SSF_STREAM_UPDATED_EVENT];

export interface SetRow {
  readonly jti: string;
  readonly streamId: string;
  readonly clientId: string;
  readonly identityId: string | null;
  readonly eventType: string;
  readonly jwt: string;
  readonly txn: string | null;
  readonly attempts: number;
  /** The domain event that caused it, and the correlation id of that event's request. */
  readonly eventId: number | null;
  readonly correlationId: string | null;
}

export interface NewSet extends Omit<SetRow, 'attempts' | 'correlationId'> {
  readonly state: 'pending' | 'held';
}

export function setOf(r: Record<string, unknown>): SetRow {
  return {
    jti: r.jti as string,
    streamId: r.stream_id as string,
    clientId: r.client_id as string,
    identityId: (r.identity_id as string | null) ?? null,
    eventType: r.event_type as string,
    jwt: r.set_jwt as string,
    txn: (r.txn as string | null) ?? null,
    attempts: Number(r.attempts),
    eventId: r.event_id === null || r.event_id === undefined ? null : Number(r.event_id),
    correlationId: (r.correlation_id as string | null | undefined) ?? null,
  };
}

export async function insertSet(db: Queryable, set: NewSet, at: Date): Promise<void> {
  await db.query(
    'INSERT INTO ssf_events (jti, stream_id, client_id, identity_id, event_type, set_jwt, txn, state, next_attempt_at, created_at, event_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)',
    [set.jti, set.streamId, set.clientId, set.identityId, set.eventType, set.jwt, set.txn, set.state, at, set.eventId],
  );
}

/** A paused stream enabled again: what it held goes out, in the order it was made. */
export async function releaseHeld(db: Queryable, streamId: string, at: Date): Promise<number> {
  return (await db.query("UPDATE ssf_events SET state = 'pending', next_attempt_at = $2 WHERE stream_id = $1 AND state = 'held' RETURNING jti", [streamId, at])).length;
}

/** A stream paused: what is waiting is held (control events excepted). */
export async function holdPending(db: Queryable, streamId: string): Promise<number> {
  return (await db.query("UPDATE ssf_events SET state = 'held' WHERE stream_id = $1 AND state = 'pending' AND NOT (event_type = ANY($2)) RETURNING jti", [streamId, CONTROL_EVENTS])).length;
}

/** A stream disabled: nothing is held for it; what waits is dropped (kept as failed, with the reason). */
export async function dropUndelivered(db: Queryable, streamId: string): Promise<number> {
  return (
    await db.query("UPDATE ssf_events SET state = 'failed', last_error = 'stream disabled' WHERE stream_id = $1 AND state IN ('pending', 'held') AND NOT (event_type = ANY($2)) RETURNING jti", [
      streamId,
      CONTROL_EVENTS,
    ])
  ).length;
}

export async function markDelivered(db: Queryable, jtis: readonly string[], streamId: string, at: Date): Promise<string[]> {
  if (jtis.length === 0) return [];
  const rows = await db.query<{ jti: string }>(
    "UPDATE ssf_events SET state = 'delivered', delivered_at = $3, last_error = NULL WHERE jti = ANY($1) AND stream_id = $2 AND state = 'pending' RETURNING jti",
    [jtis, streamId, at],
  );
  return rows.map((r) => r.jti);
}

export async function markFailed(db: Queryable, jti: string, error: string): Promise<void> {
  await db.query("UPDATE ssf_events SET state = 'failed', last_error = $2 WHERE jti = $1", [jti, error]);
}

export async function scheduleRetry(db: Queryable, jti: string, error: string, at: Date): Promise<void> {
  await db.query('UPDATE ssf_events SET last_error = $2, next_attempt_at = $3 WHERE jti = $1', [jti, error, at]);
}

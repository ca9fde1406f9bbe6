import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../store/store.ts';

/** Delivery methods (SSF 1.0 §6.1): push (RFC 8935) and poll (RFC 8936). */
export const PUSH_METHOD = 'urn:ietf:rfc:8935';
export const POLL_METHOD = 'urn:ietf:rfc:8936';
export const STREAM_STATUSES = ['enabled', 'paused', 'disabled'] as const;
export type StreamStatus = (typeof STREAM_STATUSES)[number];

export interface StreamDelivery {
  readonly method: typeof PUSH_METHOD | typeof POLL_METHOD;
  /** Push: the receiver's URL. Poll: muster's poll endpoint for the stream (filled in when shown). */
  readonly endpoint_url?: string;
  /** Push: sent as the Authorization header of every delivery. */
  readonly authorization_header?: string;
}

/** What the receiver chose (SSF receiver-supplied fields). */
export interface ReceiverConfig {
  readonly delivery: StreamDelivery;
  /** Absent: every event the agreement lists. */
  readonly events_requested?: readonly string[];
  readonly description?: string;
}

export interface StreamRow {
  readonly streamId: string;
  readonly clientId: string;
  readonly status: StreamStatus;
  readonly reason: string | null;
  readonly config: ReceiverConfig;
  /** Made by muster from the agreement (signalEndpoint), not created by the receiver. */
  readonly implicit: boolean;
  readonly verificationRequestedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

const COLUMNS = 'stream_id, client_id, status, reason, config, implicit, verification_requested_at, created_at, updated_at';

function streamOf(r: Record<string, unknown>): StreamRow {
  return {
    streamId: r.stream_id as string,
    clientId: r.client_id as string,
    status: r.status as StreamStatus,
    reason: (r.reason as string | null) ?? null,
    config: r.config as ReceiverConfig,
    implicit: r.implicit as boolean,
    verificationRequestedAt: (r.verification_requested_at as Date | null) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

export async function streamOfClient(db: Queryable, clientId: string, lock = false): Promise<StreamRow | undefined> {
  const [row] = await db.query(`SELECT ${COLUMNS} FROM ssf_streams WHERE client_id = $1${lock ? ' FOR UPDATE' : ''}`, [clientId]);
  return row ? streamOf(row) : undefined;
}

export async function streamById(db: Queryable, streamId: string, lock = false): Promise<StreamRow | undefined> {
  const [row] = await db.query(`SELECT ${COLUMNS} FROM ssf_streams WHERE stream_id = $1${lock ? ' FOR UPDATE' : ''}`, [streamId]);
  return row ? streamOf(row) : undefined;
}

export async function insertStream(db: Queryable, clientId: string, config: ReceiverConfig, implicit: boolean, at: Date): Promise<StreamRow> {
  const [row] = await db.query(
    `INSERT INTO ssf_streams (stream_id, client_id, status, config, implicit, created_at, updated_at) VALUES ($1, $2, 'enabled', $3, $4, $5, $5)
     ON CONFLICT (client_id) DO NOTHING RETURNING ${COLUMNS}`,
    [randomUUID(), clientId, config, implicit, at],
  );
  return row ? streamOf(row) : ((await streamOfClient(db, clientId)) as StreamRow);
}

export async function updateStreamConfig(db: Queryable, streamId: string, config: ReceiverConfig, at: Date): Promise<StreamRow> {
  const [row] = await db.query(`UPDATE ssf_streams SET config = $2, implicit = false, updated_at = $3 WHERE stream_id = $1 RETURNING ${COLUMNS}`, [streamId, config, at]);
  return streamOf(row as Record<string, unknown>);
}

export async function updateStreamStatus(db: Queryable, streamId: string, status: StreamStatus, reason: string | null, at: Date): Promise<StreamRow> {
  const [row] = await db.query(`UPDATE ssf_streams SET status = $2, reason = $3, updated_at = $4 WHERE stream_id = $1 RETURNING ${COLUMNS}`, [streamId, status, reason, at]);
  return streamOf(row as Record<string, unknown>);
}

export async function markVerificationRequested(db: Queryable, streamId: string, at: Date): Promise<void> {
  await db.query('UPDATE ssf_streams SET verification_requested_at = $2 WHERE stream_id = $1', [streamId, at]);
}

/** Deletes a stream and everything still undelivered on it. */
export async function deleteStream(db: Queryable, streamId: string): Promise<void> {
  await db.query("DELETE FROM ssf_events WHERE stream_id = $1 AND state IN ('pending', 'held')", [streamId]);
  await db.query('DELETE FROM ssf_stream_removed_subjects WHERE stream_id = $1', [streamId]);
  await db.query('DELETE FROM ssf_streams WHERE stream_id = $1', [streamId]);
}

export async function removeSubject(db: Queryable, streamId: string, sub: string, at: Date): Promise<void> {
  await db.query('INSERT INTO ssf_stream_removed_subjects (stream_id, sub, removed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [streamId, sub, at]);
}

export async function addSubject(db: Queryable, streamId: string, sub: string): Promise<void> {
  await db.query('DELETE FROM ssf_stream_removed_subjects WHERE stream_id = $1 AND sub = $2', [streamId, sub]);
}

export async function subjectRemoved(db: Queryable, streamId: string, sub: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM ssf_stream_removed_subjects WHERE stream_id = $1 AND sub = $2', [streamId, sub])).length > 0;
}

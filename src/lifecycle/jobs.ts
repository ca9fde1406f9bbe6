import type { Row } from '../store/store.ts';

export const JOB_STATUSES = ['pending', 'running', 'done', 'dead'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** One row of the outbox (`jobs`). */
export interface Job {
  readonly id: number;
  readonly kind: string;
  readonly idempotencyKey: string;
  readonly payload: Record<string, unknown>;
  readonly status: JobStatus;
  /** Claims so far, including the current one. */
  readonly attempts: number;
  readonly runAfter: Date;
  readonly lockedBy: string | null;
  readonly lockedUntil: Date | null;
  readonly lastError: string | null;
  readonly eventId: number | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const JOB_COLUMNS = 'id, kind, idempotency_key, payload, status, attempts, run_after, locked_by, locked_until, last_error, event_id, created_at, updated_at';

export function jobFromRow(row: Row): Job {
  return {
    id: Number(row.id),
    kind: row.kind as string,
    idempotencyKey: row.idempotency_key as string,
    payload: (row.payload ?? {}) as Record<string, unknown>,
    status: row.status as JobStatus,
    attempts: Number(row.attempts),
    runAfter: row.run_after as Date,
    lockedBy: (row.locked_by as string | null) ?? null,
    lockedUntil: (row.locked_until as Date | null) ?? null,
    lastError: (row.last_error as string | null) ?? null,
    eventId: row.event_id === null || row.event_id === undefined ? null : Number(row.event_id),
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

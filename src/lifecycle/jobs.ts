import type { Job, JobStatus } from '../queue/job.ts';
import type { Row } from '../store/store.ts';

export { JOB_STATUSES, type Job, type JobStatus } from '../queue/job.ts';

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

import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import type { Queryable, Store } from '../store/store.ts';
import { JOB_COLUMNS, JOB_STATUSES, type Job, type JobStatus, jobFromRow } from './jobs.ts';

export interface JobFilter {
  readonly status?: JobStatus | undefined;
  readonly kind?: string | undefined;
  /** At most this many, newest first; default 100, at most 1000. */
  readonly limit?: number | undefined;
}

/** A listing's size: 100 unless asked, between 1 and 1000. */
export function listLimit(limit: number | undefined): number {
  return Math.min(Math.max(Math.trunc(limit ?? 100), 1), 1000);
}

/** Jobs of the outbox, newest first (e.g. the dead-letter queue: `{ status: 'dead' }`). */
export async function listJobs(db: Queryable, filter: JobFilter = {}): Promise<Job[]> {
  if (filter.status !== undefined && !(JOB_STATUSES as readonly string[]).includes(filter.status)) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `unknown job status '${filter.status}'`, [{ field: 'status', value: filter.status, message: `one of ${JOB_STATUSES.join(', ')}` }]);
  }
  const limit = listLimit(filter.limit);
  const rows = await db.query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2) ORDER BY id DESC LIMIT $3`, [
    filter.status ?? null,
    filter.kind ?? null,
    limit,
  ]);
  return rows.map(jobFromRow);
}

/** Puts a dead job back in the queue, due now, with its attempts reset; audited as `job.retried`. */
export async function retryJob(store: Store, audit: AuditWriter, clock: Clock, id: number, actor: string): Promise<Job> {
  return store.transaction(async (tx) => {
    const [row] = await tx.query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1 FOR UPDATE`, [id]);
    if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no job ${id}`, [{ field: 'id', value: String(id), message: 'no such job' }]);
    const job = jobFromRow(row);
    if (job.status !== 'dead') {
      throw new MusterError('MUSTER_ERR_CONFLICT', `job ${id} is ${job.status}; only a dead job can be retried`, [{ field: 'status', value: job.status, message: 'not dead' }]);
    }
    const now = clock.now();
    const [updated] = await tx.query(
      `UPDATE jobs SET status = 'pending', attempts = 0, run_after = $2, locked_by = NULL, locked_until = NULL, updated_at = $2 WHERE id = $1 RETURNING ${JOB_COLUMNS}`,
      [id, now],
    );
    const data = { job_id: id, kind: job.kind, idempotency_key: job.idempotencyKey, attempts: job.attempts, last_error: job.lastError };
    await audit.append(tx, [{ actor, action: 'job.retried', target: `job:${id}`, reason: `dead job ${id} (${job.kind}) put back in the queue`, data }], `job-${id}`);
    return jobFromRow(updated as NonNullable<typeof updated>);
  });
}

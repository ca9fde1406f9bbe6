import type { Queryable, Tx } from '../store/store.ts';
import { JOB_COLUMNS, type Job, jobFromRow } from './jobs.ts';

/** A claimed job and the correlation id of the event that caused it. */
export interface Claimed {
  readonly job: Job;
  readonly correlationId: string | null;
}

export interface ClaimRequest {
  readonly workerId: string;
  readonly now: Date;
  readonly leaseMs: number;
  readonly limit: number;
}

/**
 * Claims up to `limit` jobs: pending and due, or running with an expired lease (their worker died); urgent ones first
 * (the jobs of a leaver, a suspension, a revoked credential), then in the order they were queued.
 * SKIP LOCKED lets workers in several processes share the queue on PostgreSQL; each claim counts an attempt.
 */
export async function claimJobs(db: Queryable, request: ClaimRequest): Promise<Claimed[]> {
  const until = new Date(request.now.getTime() + request.leaseMs);
  const rows = await db.query(
    `UPDATE jobs j SET status = 'running', attempts = j.attempts + 1, locked_by = $1, locked_until = $2, updated_at = $3
     WHERE j.id IN (
       SELECT id FROM jobs
       WHERE (status = 'pending' AND run_after <= $3) OR (status = 'running' AND locked_until < $3)
       ORDER BY priority, id LIMIT $4 FOR UPDATE SKIP LOCKED)
     RETURNING ${JOB_COLUMNS.split(', ')
       .map((c) => `j.${c}`)
       .join(', ')}, j.priority,
       (SELECT e.correlation_id FROM events e WHERE e.id = j.event_id) AS correlation_id`,
    [request.workerId, until, request.now, request.limit],
  );
  return rows
    .sort((a, b) => Number(a.priority) - Number(b.priority) || Number(a.id) - Number(b.id))
    .map((row) => ({ job: jobFromRow(row), correlationId: (row.correlation_id as string | null) ?? null }));
}

/**
 * Locks the job row for the rest of `tx` if this worker still holds the claim (same worker, same
 * attempt). False when the lease expired and another worker took the job over.
 */
export async function holdClaim(tx: Tx, job: Job, workerId: string): Promise<boolean> {
  const rows = await tx.query(`SELECT id FROM jobs WHERE id = $1 AND status = 'running' AND locked_by = $2 AND attempts = $3 FOR UPDATE`, [job.id, workerId, job.attempts]);
  return rows.length === 1;
}

export async function markDone(tx: Tx, job: Job, now: Date): Promise<void> {
  await tx.query(`UPDATE jobs SET status = 'done', locked_by = NULL, locked_until = NULL, last_error = NULL, updated_at = $2 WHERE id = $1`, [job.id, now]);
}

export async function markRetry(tx: Tx, job: Job, runAfter: Date, error: string, now: Date): Promise<void> {
  await tx.query(`UPDATE jobs SET status = 'pending', run_after = $2, locked_by = NULL, locked_until = NULL, last_error = $3, updated_at = $4 WHERE id = $1`, [job.id, runAfter, error, now]);
}

export async function markDead(tx: Tx, job: Job, error: string, now: Date): Promise<void> {
  await tx.query(`UPDATE jobs SET status = 'dead', locked_by = NULL, locked_until = NULL, last_error = $2, updated_at = $3 WHERE id = $1`, [job.id, error, now]);
}

/** holdClaim for many jobs in one round trip: the ids this worker still holds. */
export async function holdClaims(tx: Tx, jobs: readonly Job[], workerId: string): Promise<Set<number>> {
  const rows = await tx.query<{ id: number }>(
    `SELECT j.id FROM jobs j JOIN unnest($1::bigint[], $2::int[]) AS c(id, attempts) ON c.id = j.id AND c.attempts = j.attempts
     WHERE j.status = 'running' AND j.locked_by = $3 ORDER BY j.id FOR UPDATE OF j`,
    [jobs.map((j) => j.id), jobs.map((j) => j.attempts), workerId],
  );
  return new Set(rows.map((r) => Number(r.id)));
}

export async function markAllDone(tx: Tx, jobs: readonly Job[], now: Date): Promise<void> {
  await tx.query(`UPDATE jobs SET status = 'done', locked_by = NULL, locked_until = NULL, last_error = NULL, updated_at = $2 WHERE id = ANY($1::bigint[])`, [jobs.map((j) => j.id), now]);
}

/**
 * Gives back claims whose transaction the store cut off (its connection was lost): pending again, due
 * now, and the claim's attempt not counted, as the job never ran to an end. A job whose transaction
 * did commit before the connection went is done and left alone.
 */
export async function releaseClaims(db: Queryable, jobs: readonly Job[], workerId: string, now: Date): Promise<void> {
  if (jobs.length === 0) return;
  await db.query(
    `UPDATE jobs j SET status = 'pending', attempts = j.attempts - 1, run_after = $4, locked_by = NULL, locked_until = NULL, updated_at = $4
     FROM unnest($1::bigint[], $2::int[]) AS c(id, attempts)
     WHERE j.id = c.id AND j.attempts = c.attempts AND j.status = 'running' AND j.locked_by = $3`,
    [jobs.map((j) => j.id), jobs.map((j) => j.attempts), workerId, now],
  );
}

import { sql } from 'kysely';
import { type LeaseRequest, claimLeased } from '../queue/claim-repository.ts';
import type { QueueItem, QueueTable } from '../queue/durable-queue.ts';
import { leasedStats } from '../queue/stats-repository.ts';
import type { Queryable, Tx } from '../store/store.ts';
import { type Job, jobFromRow } from './jobs.ts';

/** A claimed job and the correlation id of the event that caused it. */
export interface Claimed extends QueueItem {
  readonly job: Job;
}

const RETURNING = sql`q.id, q.kind, q.idempotency_key, q.payload, q.status, q.attempts, q.run_after, q.locked_by, q.locked_until, q.last_error,
  q.event_id, q.created_at, q.updated_at, q.priority, (SELECT e.correlation_id FROM events e WHERE e.id = q.event_id) AS correlation_id`;

/**
 * The outbox as a durable queue: jobs claimed urgent ones first (the jobs of a leaver, a suspension, a revoked
 * credential), then in the order they were queued; each carries its event and that event's correlation id.
 */
export const JOB_QUEUE: QueueTable<Claimed> = {
  name: 'jobs',
  async claim(db, claim) {
    const rows = await claimLeased(db, { table: 'jobs', order: sql`c.priority, c.id`, returning: RETURNING }, claim);
    return rows
      .sort((a, b) => Number(a.priority) - Number(b.priority) || Number(a.id) - Number(b.id))
      .map((row) => {
        const job = jobFromRow(row);
        return { job, attempts: job.attempts, eventId: job.eventId, correlationId: (row.correlation_id as string | null) ?? null };
      });
  },
  stats: (now) => leasedStats('jobs', now),
};

/**
 * Locks the job row for the rest of `tx` if this worker still holds the claim (same worker, same
 * attempt). False when the lease expired and another worker took the job over.
 */
export async function holdClaim(tx: Tx, job: Job, workerId: string): Promise<boolean> {
  return (await holdClaims(tx, [job], workerId)).has(job.id);
}

/** holdClaim for many jobs in one round trip: the ids this worker still holds. */
export async function holdClaims({ db }: Tx, jobs: readonly Job[], workerId: string): Promise<Set<number>> {
  const rows = await sql<{ id: string }>`SELECT j.id FROM jobs j JOIN unnest(${jobs.map((j) => j.id)}::bigint[], ${jobs.map((j) => j.attempts)}::int[]) AS c(id, attempts)
      ON c.id = j.id AND c.attempts = j.attempts
    WHERE j.status = 'running' AND j.locked_by = ${workerId} ORDER BY j.id FOR UPDATE OF j`.execute(db);
  return new Set(rows.rows.map((r) => Number(r.id)));
}

export async function markDone(tx: Tx, job: Job, now: Date): Promise<void> {
  await markAllDone(tx, [job], now);
}

export async function markAllDone({ db }: Tx, jobs: readonly Job[], now: Date): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status: 'done', locked_by: null, locked_until: null, last_error: null, updated_at: now })
    .where(
      'id',
      'in',
      jobs.map((j) => j.id),
    )
    .execute();
}

export async function markRetry({ db }: Tx, job: Job, runAfter: Date, error: string, now: Date): Promise<void> {
  await db.updateTable('jobs').set({ status: 'pending', run_after: runAfter, locked_by: null, locked_until: null, last_error: error, updated_at: now }).where('id', '=', job.id).execute();
}

export async function markDead({ db }: Tx, job: Job, error: string, now: Date): Promise<void> {
  await db.updateTable('jobs').set({ status: 'dead', locked_by: null, locked_until: null, last_error: error, updated_at: now }).where('id', '=', job.id).execute();
}

/**
 * Gives back claims whose transaction the store cut off (its connection was lost): pending again, due
 * now, and the claim's attempt not counted, as the job never ran to an end. A job whose transaction
 * did commit before the connection went is done and left alone.
 */
export async function releaseClaims({ db }: Queryable, jobs: readonly Job[], workerId: string, now: Date): Promise<void> {
  if (jobs.length === 0) return;
  await sql`UPDATE jobs j SET status = 'pending', attempts = j.attempts - 1, run_after = ${now}, locked_by = NULL, locked_until = NULL, updated_at = ${now}
     FROM unnest(${jobs.map((j) => j.id)}::bigint[], ${jobs.map((j) => j.attempts)}::int[]) AS c(id, attempts)
     WHERE j.id = c.id AND j.attempts = c.attempts AND j.status = 'running' AND j.locked_by = ${workerId}`.execute(db);
}

/** Claims up to `limit` due jobs (and jobs whose worker died), urgent ones first; each claim counts an attempt. */
export function claimJobs(db: Queryable, request: LeaseRequest): Promise<Claimed[]> {
  return JOB_QUEUE.claim(db, request);
}

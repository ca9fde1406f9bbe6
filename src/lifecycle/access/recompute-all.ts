import type { Tx } from '../../store/store.ts';
import type { Job } from '../jobs.ts';
import type { JobContext } from '../handlers.ts';

export const RECOMPUTE_JOB = 'access.recompute';
export const RECOMPUTE_ALL_JOB = 'access.recompute-all';

/** Identities (alias `i`) that have or may get access: in an active-like status, or holding a live account. */
export const MAY_HOLD_ACCESS = `(i.status IN ('active', 'leave', 'suspended') OR EXISTS (SELECT 1 FROM accounts a WHERE a.identity_id = i.id AND a.status NOT IN ('archived', 'deleted')))`;

/** Queues a recompute of every identity that can hold access, after a policy change (`cause` keys it). */
export async function queueRecomputeAll(tx: Tx, cause: string, now: Date): Promise<void> {
  await tx.query(`INSERT INTO jobs (kind, idempotency_key, payload, status, run_after, created_at, updated_at) VALUES ($1, $2, $3, 'pending', $4, $4, $4) ON CONFLICT (idempotency_key) DO NOTHING`, [
    RECOMPUTE_ALL_JOB,
    `${RECOMPUTE_ALL_JOB}:${cause}`,
    { cause },
    now,
  ]);
}

/** Fans a recompute-all out into one recompute job per identity that has or may get access. */
export async function handleRecomputeAll(job: Job, tx: Tx, ctx: JobContext): Promise<void> {
  const cause = String(job.payload.cause ?? `job-${job.id}`);
  await tx.query(
    `INSERT INTO jobs (kind, idempotency_key, payload, status, run_after, created_at, updated_at)
     SELECT $1, $1 || ':' || $2 || ':' || i.id, jsonb_build_object('identityId', i.id, 'type', $2::text), 'pending', $3, $3, $3
     FROM identities i
     WHERE ${MAY_HOLD_ACCESS}
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [RECOMPUTE_JOB, cause, ctx.now],
  );
}

import type { Clock } from '../../core/clock.ts';
import type { Store } from '../../store/store.ts';
import { RECOMPUTE_JOB } from './recompute-all.ts';
import { isoDay } from './targets.ts';

const HOUR_MS = 3_600_000;

/**
 * Training expires by the calendar, with no feed saying so: once an hour, queue a recompute of
 * everyone whose training expired in the last two days, so that a condition on `expired` holds
 * their entitlements back. One job per identity per day (the key), however often it runs.
 */
export async function queueTrainingExpiry(store: Store, now: Date): Promise<number> {
  const today = isoDay(now);
  const rows = await store.query<{ n: number }>(
    `WITH due AS (SELECT DISTINCT identity_id FROM behave WHERE expires < $1::date AND expires >= $1::date - 2),
     queued AS (
       INSERT INTO jobs (kind, idempotency_key, payload, status, run_after, created_at, updated_at)
       SELECT $2, $2 || ':training-expired:' || $1 || ':' || d.identity_id, jsonb_build_object('identityId', d.identity_id, 'type', 'behave.expired'), 'pending', $3, $3, $3
       FROM due d ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1)
     SELECT count(*)::int AS n FROM queued`,
    [today, RECOMPUTE_JOB, now],
  );
  return rows[0]?.n ?? 0;
}

/** The outbox worker's sweep: at most hourly by the clock. */
export function trainingExpirySweep(store: Store, clock: Clock): () => Promise<void> {
  let last: number | null = null;
  return async () => {
    const now = clock.now();
    if (last !== null && now.getTime() - last < HOUR_MS) return;
    last = now.getTime();
    await queueTrainingExpiry(store, now);
  };
}

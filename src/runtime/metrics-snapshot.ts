import { JOB_QUEUE } from '../lifecycle/queue.ts';
import { OP_QUEUE } from '../lifecycle/provision/ops.ts';
import { SET_QUEUE } from '../protocols/ssf/delivery.ts';
import { type QueueStats, readQueueStats } from '../queue/stats-repository.ts';
import type { Queryable } from '../store/store.ts';

/** The durable queues whose state /metrics shows (muster_queue_*). */
const QUEUES = [JOB_QUEUE, OP_QUEUE, SET_QUEUE];

export interface TargetDepth {
  pending: number;
  running: number;
  dead: number;
  failing: number;
  lagSeconds: number;
}

export interface KindDepth {
  pending: number;
  running: number;
  dead: number;
}

/** What the store says at one scrape: the same in every process. */
export interface StoreSnapshot {
  readonly targets: Map<string, TargetDepth>;
  readonly jobs: Map<string, KindDepth>;
  readonly jobsLagSeconds: number;
  readonly events: Map<string, number>;
  /** Each durable queue by name: depth, age of the oldest item, claimed, dead letters. */
  readonly queues: Map<string, QueueStats>;
  /** Separation-of-duties refusals standing (each audited once) and the recomputes that refused them again since. */
  readonly sodRefusals: { readonly standing: number; readonly repeats: number };
}

export const emptyTarget = (): TargetDepth => ({ pending: 0, running: 0, dead: 0, failing: 0, lagSeconds: 0 });
export const emptyKind = (): KindDepth => ({ pending: 0, running: 0, dead: 0 });

const age = (now: Date, oldest: unknown): number => (oldest instanceof Date ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0);

/** Reads the queues and event counts, one query at a time so a scrape holds one connection. */
export async function readSnapshot(db: Queryable, now: Date): Promise<StoreSnapshot> {
  const targets = await readTargets(db, now);
  const jobs = await readJobs(db);
  const [lag] = await db.query(`SELECT min(run_after) AS oldest FROM jobs WHERE status = 'pending' AND run_after <= $1`, [now]);
  const events = await db.query(`SELECT type, count(*) AS n FROM events GROUP BY type`);
  const queues = new Map<string, QueueStats>();
  for (const queue of QUEUES) queues.set(queue.name, await readQueueStats(db, queue.stats(now), now));
  const [sod] = await db.query(`SELECT count(*) AS standing, coalesce(sum(repeats), 0) AS repeats FROM sod_refusals`);
  const sodRefusals = { standing: Number(sod?.standing ?? 0), repeats: Number(sod?.repeats ?? 0) };
  return { targets, jobs, jobsLagSeconds: age(now, lag?.oldest), events: new Map(events.map((r) => [r.type as string, Number(r.n)])), queues, sodRefusals };
}

async function readTargets(db: Queryable, now: Date): Promise<Map<string, TargetDepth>> {
  // pending and running through the partial index provisioning_ops_ready; done rows are never read
  const waiting = await db.query(
    `SELECT target, status, count(*) AS n, count(*) FILTER (WHERE last_error IS NOT NULL) AS failing, min(created_at) AS oldest
     FROM provisioning_ops WHERE status IN ('pending', 'running') GROUP BY target, status`,
  );
  const dead = await db.query(`SELECT target, count(*) AS n FROM provisioning_ops WHERE status = 'dead' GROUP BY target`);
  const out = new Map<string, TargetDepth>();
  const of = (target: string) => out.get(target) ?? (out.set(target, emptyTarget()).get(target) as TargetDepth);
  for (const r of waiting) {
    const t = of(r.target as string);
    if (r.status === 'pending') {
      t.pending = Number(r.n);
      t.failing = Number(r.failing);
    } else t.running = Number(r.n);
    t.lagSeconds = Math.max(t.lagSeconds, age(now, r.oldest));
  }
  for (const r of dead) of(r.target as string).dead = Number(r.n);
  return out;
}

async function readJobs(db: Queryable): Promise<Map<string, KindDepth>> {
  // split so that pending and running use the partial index jobs_ready
  const waiting = await db.query(`SELECT kind, status, count(*) AS n FROM jobs WHERE status IN ('pending', 'running') GROUP BY kind, status`);
  const dead = await db.query(`SELECT kind, 'dead' AS status, count(*) AS n FROM jobs WHERE status = 'dead' GROUP BY kind`);
  const out = new Map<string, KindDepth>();
  for (const r of [...waiting, ...dead]) {
    const k = out.get(r.kind as string) ?? (out.set(r.kind as string, emptyKind()).get(r.kind as string) as KindDepth);
    k[r.status as keyof KindDepth] = Number(r.n);
  }
  return out;
}

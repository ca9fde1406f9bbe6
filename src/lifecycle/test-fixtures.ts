import type { Harness } from '../../test/support/muster.ts';
import type { Store } from '../store/store.ts';
import type { JobHandler, JobHandlerRegistry } from './handlers.ts';
import { join } from 'node:path';
import { type AccessTargets, accessTargets } from './access/targets.ts';
import { MaildirNotifier } from '../connectors/notify/index.ts';
import { lifecycleHandlers } from '../runtime/job-handlers.ts';
import { JobWorker, type JobWorkerOptions } from './worker.ts';

/** Inserts one pending job, due at `runAfter`. */
export async function insertJob(store: Store, kind: string, key: string, runAfter: Date, payload: Record<string, unknown> = {}): Promise<number> {
  const [row] = await store.query<{ id: number }>(`INSERT INTO jobs (kind, idempotency_key, payload, run_after, created_at, updated_at) VALUES ($1, $2, $3, $4, $4, $4) RETURNING id`, [
    kind,
    key,
    JSON.stringify(payload),
    runAfter,
  ]);
  return row?.id as number;
}

export async function jobRow(store: Store, id: number): Promise<{ status: string; attempts: number; run_after: Date; last_error: string | null; locked_by: string | null }> {
  const [row] = await store.query<{ status: string; attempts: number; run_after: Date; last_error: string | null; locked_by: string | null }>(
    'SELECT status, attempts, run_after, last_error, locked_by FROM jobs WHERE id = $1',
    [id],
  );
  if (!row) throw new Error(`no job ${id}`);
  return row;
}

export async function count(store: Store, from: string, params: unknown[] = []): Promise<number> {
  const rows = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from}`, params);
  return rows[0]?.n ?? -1;
}

/** A worker over the harness with test defaults; `handlers` replace the lifecycle ones when given. */
export function testWorker(h: Harness, handlers?: Record<string, JobHandler> | JobHandlerRegistry, over: Partial<JobWorkerOptions> = {}): JobWorker {
  return new JobWorker({
    store: h.store,
    clock: h.clock,
    audit: h.audit,
    handlers: handlers instanceof Map ? handlers : handlers ? new Map(Object.entries(handlers)) : harnessHandlers(h, accessTargets([])),
    workerId: 'w1',
    batchSize: 100,
    leaseMs: 60_000,
    maxAttempts: 3,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    random: () => 0.5,
    sweepEveryMs: 0,
    ...over,
  });
}

/** A worker running the lifecycle handlers with these access targets (policies name them). */
export function accessWorker(h: Harness, targets: AccessTargets): JobWorker {
  return testWorker(h, harnessHandlers(h, targets));
}

function harnessHandlers(h: Harness, targets: AccessTargets): JobHandlerRegistry {
  return lifecycleHandlers({ notifier: new MaildirNotifier(join(h.dir, 'mail')), targets, config: h.config, vault: h.keyVault });
}

export async function identityByKey(store: Store, attribute: string, key: string): Promise<{ id: string; status: string; sponsor_id: string | null; flags: string[]; version: number }> {
  const [row] = await store.query<{ id: string; status: string; sponsor_id: string | null; flags: string[]; version: number }>(
    `SELECT id, status, sponsor_id, flags, version FROM identities WHERE attributes -> $1 ->> 'v' = $2`,
    [attribute, key],
  );
  if (!row) throw new Error(`no identity with ${attribute} ${key}`);
  return row;
}

export const NPE_HEADER = 'npe_id,kind,full_name,sponsor,expires,department,component,home_agency,status';

export function npeCsv(rows: readonly string[][]): string {
  return `${NPE_HEADER}\n${rows.map((r) => r.join(',')).join('\n')}\n`;
}

/** One NPE registry row: id, sponsor, expiry date, status (kind service). */
export function npeRow(id: string, sponsor: string, expires = '2027-12-31', status = 'active'): string[] {
  return [id, 'service', `Service ${id}`, sponsor, expires, 'Finance', 'Operations', '9700', status];
}

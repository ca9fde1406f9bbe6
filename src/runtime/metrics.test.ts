import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { createHttpApp } from '../http/app.ts';
import { createMetricsApp } from '../http/metrics-app.ts';
import { CircuitBreaker } from '../queue/circuit.ts';
import type { ProvisioningOp } from '../lifecycle/provision/ops.ts';
import type { Store } from '../store/store.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { type Muster, startMuster } from './context.ts';
import { createLogger } from './log.ts';
import { type Metrics, createMetrics } from './metrics.ts';
import { observeProvisioning } from './observe.ts';
import { testOperator } from '../operators/test-operators.ts';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

/** `name{a="x",b="y"}` (labels sorted) → value, and name → TYPE, from Prometheus text. */
function parse(text: string): { values: Map<string, number>; types: Map<string, string> } {
  const values = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] as string, type[2] as string);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels = [...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}="${m[2]}"`).sort();
    values.set(`${sample[1]}{${labels.join(',')}}`, Number(sample[3]));
  }
  return { values, types };
}

/** The series of one metric, as `{labels}` → value. */
function series(text: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of parse(text).values) if (key.startsWith(`${name}{`)) out[key.slice(name.length)] = value;
  return out;
}

async function seedIdentities(store: Store): Promise<void> {
  for (const n of [1, 2, 3]) {
    await store.query(`INSERT INTO identities (id, kind, status, attributes, provenance, last_updated, created_at, updated_at) VALUES ($1, 'person', 'active', '{}', '{}', $2, $2, $2)`, [ID(n), NOW]);
  }
}

async function op(store: Store, target: string, n: number, status: string, createdSecondsAgo: number, lastError: string | null = null): Promise<void> {
  await store.query(`INSERT INTO provisioning_ops (target, identity_id, reason, status, run_after, last_error, created_at, updated_at) VALUES ($1, $2, 'test', $3, $4, $5, $4, $4)`, [
    target,
    ID(n),
    status,
    ago(createdSecondsAgo),
    lastError,
  ]);
}

let jobKey = 0;
async function job(store: Store, kind: string, status: string, runAfter: Date): Promise<void> {
  await store.query(`INSERT INTO jobs (kind, idempotency_key, payload, status, run_after, created_at, updated_at) VALUES ($1, $2, '{}', $3, $4, $4, $4)`, [kind, `k${jobKey++}`, status, runAfter]);
}

async function event(store: Store, type: string): Promise<void> {
  await store.query(`INSERT INTO events (type, identity_id, payload, correlation_id, occurred_at) VALUES ($1, $2, '{}', 'c1', $3)`, [type, ID(1), NOW]);
}

describeEachStore('metrics', (factory) => {
  let ctx: Muster;
  let metrics: Metrics;
  const clock = new ManualClock(NOW.toISOString());

  before(async () => {
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:' } }), { store: await factory.open(), clock });
    await seedIdentities(ctx.store);
    // `ad`, `scim` and `idle` configured; `old` only in the queue
    metrics = createMetrics({ store: ctx.store, clock, config: { targets: { ad: {}, scim: {}, idle: {} } } });
  });
  after(() => ctx.close());

  it('reads provisioning queue depth, lag and failing operations from the store', async () => {
    await op(ctx.store, 'ad', 1, 'pending', 120, 'MUSTER_ERR_TARGET: refused');
    await op(ctx.store, 'ad', 2, 'pending', 30);
    await op(ctx.store, 'ad', 3, 'dead', 900, 'gone');
    await op(ctx.store, 'ad', 3, 'done', 5000);
    await op(ctx.store, 'scim', 1, 'running', 10);
    await op(ctx.store, 'scim', 2, 'dead', 50);
    await op(ctx.store, 'scim', 3, 'dead', 60);
    await op(ctx.store, 'old', 1, 'pending', 1);
    const text = await metrics.text();
    assert.deepEqual(series(text, 'muster_provisioning_queue_depth'), {
      '{status="dead",target="ad"}': 1,
      '{status="pending",target="ad"}': 2,
      '{status="running",target="ad"}': 0,
      '{status="dead",target="idle"}': 0,
      '{status="pending",target="idle"}': 0,
      '{status="running",target="idle"}': 0,
      '{status="dead",target="old"}': 0,
      '{status="pending",target="old"}': 1,
      '{status="running",target="old"}': 0,
      '{status="dead",target="scim"}': 2,
      '{status="pending",target="scim"}': 0,
      '{status="running",target="scim"}': 1,
    });
    assert.deepEqual(series(text, 'muster_provisioning_lag_seconds'), { '{target="ad"}': 120, '{target="idle"}': 0, '{target="old"}': 1, '{target="scim"}': 10 });
    assert.deepEqual(series(text, 'muster_provisioning_failing'), { '{target="ad"}': 1, '{target="idle"}': 0, '{target="old"}': 0, '{target="scim"}': 0 });
    assert.equal(parse(text).types.get('muster_provisioning_queue_depth'), 'gauge');
  });

  it('reads outbox jobs by kind and status, and the lag of the oldest due job', async () => {
    await job(ctx.store, 'access.recompute', 'pending', ago(60));
    await job(ctx.store, 'access.recompute', 'pending', ago(-60));
    await job(ctx.store, 'access.recompute', 'dead', ago(600));
    await job(ctx.store, 'notify', 'running', ago(5));
    await job(ctx.store, 'notify', 'done', ago(7200));
    const text = await metrics.text();
    assert.deepEqual(series(text, 'muster_jobs'), {
      '{kind="access.recompute",status="dead"}': 1,
      '{kind="access.recompute",status="pending"}': 2,
      '{kind="access.recompute",status="running"}': 0,
      '{kind="notify",status="dead"}': 0,
      '{kind="notify",status="pending"}': 0,
      '{kind="notify",status="running"}': 1,
    });
    assert.equal(parse(text).values.get('muster_jobs_lag_seconds{}'), 60);
  });

  it('counts lifecycle events by type, and a scrape sees rows added since the last', async () => {
    for (const type of ['identity.joiner', 'identity.joiner', 'identity.leaver']) await event(ctx.store, type);
    assert.deepEqual(series(await metrics.text(), 'muster_lifecycle_events_total'), { '{type="identity.joiner"}': 2, '{type="identity.leaver"}': 1 });
    await event(ctx.store, 'identity.joiner');
    const text = await metrics.text();
    assert.deepEqual(series(text, 'muster_lifecycle_events_total'), { '{type="identity.joiner"}': 3, '{type="identity.leaver"}': 1 });
    assert.equal(parse(text).types.get('muster_lifecycle_events_total'), 'counter');
  });

  it('counts outcomes fed to onOutcome, and shows open circuits', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } });
    const breakers = new Map([
      ['ad', new CircuitBreaker({ failures: 1, openMs: 30_000 })],
      ['scim', new CircuitBreaker({ failures: 1, openMs: 30_000 })],
    ]);
    const observer = observeProvisioning({ log, metrics }, clock);
    observer.watch({ breaker: (t) => breakers.get(t) }, ['ad', 'scim']);
    const before = series(await metrics.text(), 'muster_provisioning_operations_total');
    assert.equal(before['{outcome="retried",target="ad"}'], 0);
    const fake = { id: 7, identityId: ID(1), attempts: 2 } as ProvisioningOp;
    observer.onOutcome('ad', 'retried', fake);
    observer.onOutcome('ad', 'done', fake);
    breakers.get('ad')?.failed(clock.now().getTime());
    observer.onOutcome('ad', 'deferred', fake);
    const text = await metrics.text();
    const ops = series(text, 'muster_provisioning_operations_total');
    assert.deepEqual([ops['{outcome="done",target="ad"}'], ops['{outcome="retried",target="ad"}'], ops['{outcome="deferred",target="ad"}'], ops['{outcome="dead",target="ad"}']], [1, 1, 1, 0]);
    assert.deepEqual(series(text, 'muster_provisioning_errors_total'), { '{target="ad"}': 2, '{target="scim"}': 0 });
    assert.deepEqual(series(text, 'muster_target_circuit_open'), { '{target="ad"}': 1, '{target="scim"}': 0 });
    const logged = lines.map((l) => JSON.parse(l));
    assert.deepEqual(
      logged.map((l) => [l.level, l.msg, l.target, l.op]),
      [
        ['warn', 'operation retried', 'ad', 7],
        ['warn', 'operation deferred', 'ad', 7],
        ['warn', 'circuit opened: the target is unavailable, its queue waits', 'ad', undefined],
      ],
    );
  });

  it('counts connections the listeners closed past a cap, by listener and reason', async () => {
    metrics.countRefusedConnection('api', 'address-full');
    metrics.countRefusedConnection('api', 'address-full');
    metrics.countRefusedConnection('pki', 'listener-full');
    assert.deepEqual(series(await metrics.text(), 'muster_connections_refused_total'), { '{listener="api",reason="address-full"}': 2, '{listener="pki",reason="listener-full"}': 1 });
  });

  it('registers process metrics on its own registry, not the global one', async () => {
    const text = await metrics.text();
    assert.ok(parse(text).values.has('process_cpu_user_seconds_total{}'), 'no process metrics');
    const { register } = await import('prom-client');
    assert.equal(register.getSingleMetric('muster_jobs'), undefined);
  });

  it('serves /metrics without a token, from muster serve and from a worker', async () => {
    const app = createHttpApp(ctx, [], { metrics });
    const res = await app.request('/metrics');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(series(await res.text(), 'muster_provisioning_queue_depth')['{status="pending",target="ad"}'], 2);
    const worker = createMetricsApp(ctx, metrics, createLogger({ level: 'silent', destination: { write: () => {} } }));
    const scraped = await worker.request('/metrics');
    assert.equal(scraped.status, 200);
    assert.equal(parse(await scraped.text()).values.get('muster_jobs_lag_seconds{}'), 60);
    assert.equal((await worker.request('/api/identities')).status, 404);
  });

  it('serves /metrics to auditor tokens only, when admin.metrics says auditor', async () => {
    const guarded = { ...ctx, config: { ...ctx.config, admin: { ...ctx.config.admin, metrics: 'auditor' as const } } };
    const app = createHttpApp(guarded, [], { metrics });
    assert.equal((await app.request('/metrics')).status, 401);
    const helpdesk = await testOperator(ctx, ['helpdesk']);
    const refused = await app.request('/metrics', { headers: { authorization: helpdesk.bearer } });
    assert.equal(refused.status, 403);
    const auditor = await testOperator(ctx, ['auditor']);
    assert.equal((await app.request('/metrics', { headers: { authorization: auditor.bearer } })).status, 200);
  });
});

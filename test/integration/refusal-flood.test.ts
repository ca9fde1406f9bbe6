import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Agent, request } from 'node:http';
import { describeEachStore } from '../support/stores.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { type RunningServer, serveHttp } from '../../src/http/serve.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';

/**
 * Anonymous clients flooding refused requests over loopback (keep-alive): the audit log grows by a few entries per
 * address and action, not one per request; past the rate limit, 429 with Retry-After and nothing audited.
 */

const FLOOD = 10_000;
const CONCURRENCY = 8;
const ACTIONS = ['ssf.auth.refused', 'ticket.refused'];

async function auditCount(ctx: Muster, actions: readonly string[] = ACTIONS): Promise<Record<string, number>> {
  const rows = await ctx.store.db
    .selectFrom('audit_log')
    .select(['action'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('action', 'in', actions)
    .groupBy('action')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.action, Number(r.n)]));
}

/** One request on the keep-alive agent; its status once the body is read. */
function send(agent: Agent, url: string, method: 'GET' | 'POST'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: method === 'POST' ? { 'content-type': 'application/json', 'content-length': '2' } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

/** `count` requests, `CONCURRENCY` at a time on keep-alive connections; the statuses seen, with their counts. */
async function flood(base: string, count: number, pathOf: (i: number) => string, method: 'GET' | 'POST'): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const status = await send(agent, `${base}${pathOf(next++)}`, method);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return statuses;
}

describeEachStore('a flood of refused anonymous requests', (factory) => {
  let ctx: Muster;
  let server: RunningServer;
  let base: string;

  before(async () => {
    const limits = { rate: { perAddress: { perSecond: 0 }, perToken: { perSecond: 0 } }, refusals: { writtenAtOnce: 2 } };
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { limits } } }), { store: await factory.open() });
    server = await serveHttp(createHttpApp(ctx), { host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server.close();
    await ctx.close();
  });

  it(`adds a few audit entries for ${FLOOD.toLocaleString('en-US')} refused requests to /ssf and /hooks/tickets`, async () => {
    const ssf = await flood(base, FLOOD * 0.7, (i) => `/ssf/streams?n=${i}&pad=${'x'.repeat(2000)}`, 'GET');
    const hooks = await flood(base, FLOOD * 0.3, (i) => `/hooks/tickets/${i}/close`, 'POST');
    assert.deepEqual([...ssf], [[401, FLOOD * 0.7]]);
    assert.deepEqual([...hooks], [[404, FLOOD * 0.3]]);
    assert.deepEqual(await auditCount(ctx), { 'ssf.auth.refused': 2, 'ticket.refused': 2 }, 'two at once per action, the rest counted');
    await ctx.refusals.flushAll();
    assert.deepEqual(await auditCount(ctx), { 'ssf.auth.refused': 3, 'ticket.refused': 3 }, 'and one aggregate entry each');
    const aggregates = await ctx.store.db.selectFrom('audit_log').select(['action', 'data']).where('action', 'in', ACTIONS).orderBy('seq', 'desc').limit(2).execute();
    const counts = Object.fromEntries(aggregates.map((a) => [a.action, (a.data as { count: number; source: string }).count]));
    assert.deepEqual(counts, { 'ssf.auth.refused': FLOOD * 0.7 - 2, 'ticket.refused': FLOOD * 0.3 - 2 });
    for (const a of aggregates) assert.equal((a.data as { source: string }).source, 'address:127.0.0.1');
  });
});

describeEachStore('rate limits per address', (factory) => {
  let ctx: Muster;
  let server: RunningServer;

  before(async () => {
    const limits = { rate: { perAddress: { perSecond: 0.5, burst: 5 } } };
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { limits } } }), { store: await factory.open() });
    server = await serveHttp(createHttpApp(ctx), { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server.close();
    await ctx.close();
  });

  it('answers 429 with Retry-After past the rate, audits none of them, and leaves /health alone', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const before = await auditCount(ctx, ['ssf.auth.refused']);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${base}/ssf/streams`)).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await fetch(`${base}/api/identities`);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'MUSTER_ERR_RATE_LIMITED');
    await ctx.refusals.flushAll();
    const after = await auditCount(ctx, ['ssf.auth.refused']);
    assert.equal((after['ssf.auth.refused'] ?? 0) - (before['ssf.auth.refused'] ?? 0), 5, 'the five refusals, none of the 429s');
    assert.equal((await fetch(`${base}/health`)).status, 200);
  });
});

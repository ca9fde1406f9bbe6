import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { createJobWorker } from '../../runtime/workers.ts';
import { createHttpApp } from '../app.ts';
import type { MusterApp } from '../env.ts';

describeEachStore('HTTP trace', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let token: string;
  let identityId: string;
  let leaver: number;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const get = (path: string, auth = true) => app.request(path, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
  const json = async (res: Response) => (await res.json()) as any;
  const importHr = async (status: string, correlationId: string) => {
    const res = await app.request('/api/imports/hr', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'x-correlation-id': correlationId },
      body: hrCsv([hrLine('E1', { status })]),
    });
    assert.equal(res.status, 200, await res.text());
  };

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', import: { massChangeShare: 1 } } });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    ({ token } = await testOperator({ store: ctx.store, audit: ctx.audit, clock }, ['auditor', 'source-admin']));
    app = createHttpApp(ctx);
    await importHr('active', 'req-http-join');
    clock.advance(60_000);
    await importHr('terminated', 'req-http-leave');
    const worker = createJobWorker(ctx);
    while ((await worker.runOnce()).claimed > 0);
    const [event] = await ctx.store.query<{ id: number; identity_id: string }>(`SELECT id, identity_id FROM events WHERE type = 'identity.leaver'`);
    [leaver, identityId] = [Number(event?.id), event?.identity_id as string];
  });
  after(() => ctx.close());

  it('answers the tree of an event: the request it came on, its jobs and the audit entries on that request', async () => {
    const res = await get(`/api/trace/${leaver}`);
    assert.equal(res.status, 200);
    const tree = await json(res);
    assert.deepEqual([tree.event.id, tree.event.type, tree.event.identityId, tree.event.correlationId], [leaver, 'identity.leaver', identityId, 'req-http-leave']);
    assert.ok(tree.jobs.length > 0 && tree.jobs.every((j: any) => j.status === 'done' && j.durationMs === 0));
    assert.ok(tree.audit.some((a: any) => a.action === 'oidc.sessions.ended' && a.correlationId === 'req-http-leave'));
  });

  it('lists the events of an identity since a time, each with its tree', async () => {
    const all = await json(await get(`/api/trace?identity=${identityId}&since=2026-03-01T00:00:00Z`));
    assert.deepEqual(
      all.items.map((t: any) => t.event.type),
      ['identity.joiner', 'identity.leaver'],
    );
    const later = await json(await get(`/api/trace?identity=${identityId}&since=2026-03-02T09:00:30Z`));
    assert.deepEqual(
      later.items.map((t: any) => t.event.id),
      [leaver],
    );
  });

  it('refuses a bad event id (400 naming it), an unknown one (404), a bad since (400), and a caller without a token (401)', async () => {
    const bad = await get('/api/trace/abc');
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).error.details[0].field, 'eventId');
    assert.equal((await get('/api/trace/9999999')).status, 404);
    const since = await get(`/api/trace?identity=${identityId}&since=yesterday`);
    assert.equal(since.status, 400);
    assert.equal((await json(since)).error.details[0].field, 'since');
    assert.equal((await get(`/api/trace/${leaver}`, false)).status, 401);
  });

  it('is documented in the OpenAPI document with its error answers', async () => {
    const doc = await json(await app.request('/openapi.json'));
    assert.ok(doc.paths['/api/trace/{eventId}'].get.responses['404']);
    assert.ok(doc.paths['/api/trace'].get.responses['400']);
    assert.ok(doc.components.schemas.EventTrace);
  });
});

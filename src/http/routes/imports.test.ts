import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachStore } from '../../../test/support/stores.ts';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { createHttpApp } from '../app.ts';
import type { MusterApp } from '../env.ts';

describeEachStore('HTTP imports, source events and disputes', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let token: string;
  let secondAdmin: string;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const call = (method: string, path: string, body?: string, type = 'application/json', as = token) =>
    app.request(path, { method, headers: { authorization: `Bearer ${as}`, ...(body === undefined ? {} : { 'content-type': type }) }, ...(body === undefined ? {} : { body }) });
  const json = async (res: Response) => (await res.json()) as any;
  const everyone = ['E1', 'E2', 'E3', 'E4'];

  before(async () => {
    const config = loadConfig({
      env: {},
      overrides: { dataDir: ':memory:', sources: { hr: { kind: 'hr', authoritative: ['USER', 'ROLE', 'STATUS'], mayCreate: true }, payroll: { kind: 'hr', authoritative: ['ROLE'] } } },
    });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    ({ token } = await testOperator(ctx, ['source-feed:hr', 'source-feed:payroll', 'source-admin', 'registrar']));
    ({ token: secondAdmin } = await testOperator(ctx, ['source-admin']));
    app = createHttpApp(ctx);
  });
  after(() => ctx.close());

  it('imports an uploaded snapshot (200), shows the run, and refuses a bad one whole (422)', async () => {
    const res = await call('POST', '/api/imports/hr?fileName=day0.csv', hrCsv(everyone.map((id) => hrLine(id))), 'text/csv');
    assert.equal(res.status, 200);
    const { run } = await json(res);
    assert.equal(run.summary.joiners, 4);
    assert.equal(run.actor.startsWith('operator:'), true);
    assert.equal((await json(await call('GET', `/api/imports/${run.id}`))).run.fileName, 'day0.csv');
    const bad = await call('POST', '/api/imports/hr', hrCsv([hrLine('E9', { status: 'retired' })]), 'text/csv');
    assert.equal(bad.status, 422);
    assert.equal((await json(bad)).run.errors[0].field, 'status');
    assert.equal((await call('POST', '/api/imports/nosuch', 'x', 'text/csv')).status, 404);
  });

  it('holds a truncated snapshot (202) until another than its uploader confirms it', async () => {
    const held = await call('POST', '/api/imports/hr', hrCsv([hrLine('E1')]), 'text/csv');
    assert.equal(held.status, 202);
    const { run } = await json(held);
    assert.equal(run.summary.held.terminations, 3);
    const own = await call('POST', `/api/imports/${run.id}/confirm`);
    assert.equal(own.status, 403);
    assert.equal((await json(own)).error.code, 'MUSTER_ERR_SEPARATION_OF_DUTIES');
    const confirmed = await call('POST', `/api/imports/${run.id}/confirm`, undefined, undefined, secondAdmin);
    assert.equal(confirmed.status, 200);
    assert.equal((await json(confirmed)).run.status, 'applied');
    assert.equal((await call('POST', `/api/imports/${run.id}/confirm`, undefined, undefined, secondAdmin)).status, 409);
  });

  it('applies one source event, and refuses (403, audited) one the source is not authoritative for', async () => {
    const moved = await call('POST', '/api/sources/hr/events', JSON.stringify({ type: 'mover', effectiveAt: clock.now().toISOString(), record: { employee_id: 'E1', department: 'Legal' } }));
    assert.equal(moved.status, 200);
    assert.deepEqual(
      (await json(moved)).events.map((e: { type: string }) => e.type),
      ['identity.mover'],
    );
    const refused = await call('POST', '/api/sources/payroll/events', JSON.stringify({ effectiveAt: clock.now().toISOString(), record: { employee_id: 'E1', email: 'x@demo.gov' } }));
    assert.equal(refused.status, 403);
    assert.equal((await json(refused)).error.code, 'MUSTER_ERR_SOURCE_NOT_AUTHORITATIVE');
    const invalid = await call('POST', '/api/sources/hr/events', JSON.stringify({ effectiveAt: clock.now().toISOString(), record: { employee_id: 'E1', hire_date: '2026-13-01' } }));
    assert.equal(invalid.status, 400);
    assert.equal((await json(invalid)).error.details[0].field, 'record.hire_date');
  });

  it('lists disputed cases and resolves one with a reason', async () => {
    const res = await call('POST', '/api/imports/hr', hrCsv([hrLine('E1', { department: 'Legal' }), hrLine('E50', { email: 'given1.family1@demo.gov' })]), 'text/csv');
    const { run } = await json(res);
    assert.equal(run.summary.disputed, 1, JSON.stringify(run));
    const { items } = await json(await call('GET', '/api/disputes?status=open'));
    assert.equal(items.length, 1);
    const bad = await call('POST', `/api/disputes/${items[0].id}/resolve`, JSON.stringify({ choice: 'new' }));
    assert.equal(bad.status, 400);
    const ok = await call('POST', `/api/disputes/${items[0].id}/resolve`, JSON.stringify({ choice: 'new', reason: 'two people, one mailbox' }));
    assert.equal(ok.status, 200);
    assert.equal((await json(ok)).dispute.status, 'resolved');
  });

  it('refuses (400, audited) an event without effectiveAt; acknowledges a duplicate leaver (200, nothing changed)', async () => {
    const undated = await call('POST', '/api/sources/hr/events', JSON.stringify({ type: 'leaver', record: { employee_id: 'E1', status: 'terminated' } }));
    assert.equal(undated.status, 400);
    assert.equal((await json(undated)).error.details[0].field, 'effectiveAt');
    const audited = await ctx.store.query<{ data: any }>(`SELECT data FROM audit_log WHERE action = 'source.refused' AND data ->> 'key' = 'E1'`);
    assert.deepEqual(
      audited.map((a) => a.data.fields),
      [['email'], ['record.hire_date'], ['effectiveAt']],
      'every refusal above is audited',
    );
    const leaver = JSON.stringify({ type: 'leaver', effectiveAt: clock.now().toISOString(), record: { employee_id: 'E1', status: 'terminated' } });
    const first = await call('POST', '/api/sources/hr/events', leaver);
    assert.equal(first.status, 200);
    assert.equal((await json(first)).changed, true);
    const again = await call('POST', '/api/sources/hr/events', leaver);
    assert.equal(again.status, 200);
    assert.deepEqual(await json(again), { ...(await json(await call('POST', '/api/sources/hr/events', leaver))), changed: false });
  });
});

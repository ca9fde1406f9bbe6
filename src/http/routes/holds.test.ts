import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachStore } from '../../../test/support/stores.ts';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { listAuditEntries } from '../../audit/queries.ts';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { createHttpApp } from '../app.ts';
import type { MusterApp } from '../env.ts';

describeEachStore('HTTP identity holds', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let officerA: string;
  let officerB: string;
  let identityId: string;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const call = (method: string, path: string, token: string | null, body?: unknown) =>
    app.request(path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const json = async (res: Response) => (await res.json()) as any;
  const status = async () => (await ctx.store.query<{ status: string }>('SELECT status FROM identities WHERE id = $1', [identityId]))[0]?.status;

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:' } });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    ({ token: officerA } = await testOperator(ctx, ['security-officer', 'source-feed:hr']));
    ({ token: officerB } = await testOperator(ctx, ['security-officer', 'source-feed:hr']));
    app = createHttpApp(ctx);
    const imported = await app.request('/api/imports/hr', { method: 'POST', headers: { authorization: `Bearer ${officerA}`, 'content-type': 'text/csv' }, body: hrCsv([hrLine('E1')]) });
    assert.equal(imported.status, 200);
    const [row] = await ctx.store.query(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E1'`);
    identityId = row?.id as string;
  });
  after(() => ctx.close());

  it('refuses the hold routes without a token', async () => {
    assert.equal((await call('GET', '/api/identities/holds', null)).status, 401);
    assert.equal((await call('POST', `/api/identities/${identityId}/holds`, null, { reason: 'x' })).status, 401);
    assert.equal((await call('POST', `/api/identities/${identityId}/holds/release`, null, { reason: 'x' })).status, 401);
  });

  it('refuses a hold without a reason, naming the field, and one on an unknown identity', async () => {
    const res = await call('POST', `/api/identities/${identityId}/holds`, officerA, { reason: ' ' });
    assert.equal(res.status, 400);
    assert.equal((await json(res)).error.details[0].field, 'reason');
    assert.equal((await call('POST', '/api/identities/00000000-0000-4000-8000-000000000000/holds', officerA, { reason: 'x' })).status, 404);
  });

  it('places a hold (201): suspended, listed, shown; a second hold is 409', async () => {
    const res = await call('POST', `/api/identities/${identityId}/holds`, officerA, { reason: 'under investigation' });
    assert.equal(res.status, 201);
    const { hold } = await json(res);
    assert.deepEqual([hold.identityId, hold.reason, hold.priorStatus, hold.releasedAt], [identityId, 'under investigation', 'active', null]);
    assert.match(hold.placedBy, /^operator:[0-9a-f-]{36}$/);
    assert.equal(await status(), 'suspended');
    assert.deepEqual(
      (await json(await call('GET', '/api/identities/holds', officerB))).items.map((h: any) => h.id),
      [hold.id],
    );
    const view = await json(await call('GET', `/api/identities/${identityId}`, officerB));
    assert.deepEqual(
      view.holds.map((h: any) => h.id),
      [hold.id],
    );
    assert.equal((await call('POST', `/api/identities/${identityId}/holds`, officerB, { reason: 'again' })).status, 409);
  });

  it('refuses a release by the placer (403, audited); another token releases it (200) and the person is active again', async () => {
    const refused = await call('POST', `/api/identities/${identityId}/holds/release`, officerA, { reason: 'done' });
    assert.equal(refused.status, 403);
    assert.equal((await json(refused)).error.code, 'MUSTER_ERR_FORBIDDEN');
    assert.equal((await listAuditEntries(ctx.store, { action: 'identity.hold_release_refused' })).length, 1);
    assert.equal(await status(), 'suspended');
    const res = await call('POST', `/api/identities/${identityId}/holds/release`, officerB, { reason: 'cleared' });
    assert.equal(res.status, 200);
    assert.equal((await json(res)).hold.releaseReason, 'cleared');
    assert.equal(await status(), 'active');
    assert.deepEqual((await json(await call('GET', '/api/identities/holds', officerB))).items, []);
    assert.equal((await call('POST', `/api/identities/${identityId}/holds/release`, officerB, { reason: 'again' })).status, 404);
  });
});

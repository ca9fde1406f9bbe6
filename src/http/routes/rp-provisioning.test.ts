import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { AgreementService } from '../../federation/agreements.ts';
import { provisioningAgreement } from '../../federation/provisioning/test-fixtures.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { createHttpApp } from '../app.ts';
import type { MusterApp } from '../env.ts';

describeEachStore('HTTP provisioning to relying parties', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let token: string;
  let tokenId: string;
  let actor: string;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const call = (method: string, path: string, body?: string, auth = true) =>
    app.request(path, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'text/csv' }) },
      ...(body === undefined ? {} : { body }),
    });
  const json = async (res: Response) => (await res.json()) as any;

  before(async () => {
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:' } }), { store: await factory.open(), clock });
    ({ token, tokenId, actor } = await testOperator(ctx, ['federation-admin', 'source-feed:hr']));
    app = createHttpApp(ctx);
    assert.equal((await call('POST', '/api/imports/hr', hrCsv([hrLine('E1'), hrLine('E2'), hrLine('E3', { home_agency: '4700' })]))).status, 200);
    const agreements = new AgreementService(ctx);
    await agreements.save('travel', provisioningAgreement('https://travel.agency.example/scim/v2', '/etc/muster/travel-token'), 'alice', 'travel booking');
    await agreements.save(
      'library',
      provisioningAgreement('https://library.agency.example/scim/v2', '/etc/muster/library-token', {
        relyingParties: [{ clientId: 'library-app', name: 'Library', redirectUris: ['https://library.agency.example/cb'], jwks: { keys: [{ kty: 'EC' }] } }],
        provisioning: { allowed: false },
      }),
      'alice',
      'sign-in only',
    );
  });
  after(() => ctx.close());

  it('refuses both routes without a token', async () => {
    for (const [method, path] of [
      ['POST', '/api/federation/agreements/travel/provision'],
      ['GET', '/api/federation/agreements/travel/provisioning'],
    ] as const) {
      const res = await call(method, path, undefined, false);
      assert.equal(res.status, 401, `${method} ${path}`);
    }
  });

  it('queues a push of the population and answers 202', async () => {
    const res = await call('POST', '/api/federation/agreements/travel/provision');
    assert.equal(res.status, 202, await res.clone().text());
    const { push } = await json(res);
    assert.deepEqual(
      { agreementId: push.agreementId, clientIds: push.clientIds, queued: push.queued, alreadyQueued: push.alreadyQueued },
      { agreementId: 'travel', clientIds: ['travel-app'], queued: 2, alreadyQueued: 0 },
    );
    const jobs = await ctx.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE kind = 'federation.provision' AND payload ->> 'agreementId' = 'travel'`);
    assert.equal(jobs[0]?.n, 2);
    const [entry] = await ctx.store.query<{ actor: string; data: { token_id?: string } }>(`SELECT actor, data FROM audit_log WHERE action = 'federation.provisioning.requested'`);
    assert.equal(entry?.actor, actor, 'the operator, by its identity');
    assert.equal(entry?.data.token_id, tokenId, 'and the token it acted through');
  });

  it('refuses an agreement without provisioning with 403, naming provisioning.allowed', async () => {
    const res = await call('POST', '/api/federation/agreements/library/provision');
    assert.equal(res.status, 403);
    const { error } = await json(res);
    assert.equal(error.code, 'MUSTER_ERR_FORBIDDEN');
    assert.equal(error.details[0].field, 'provisioning.allowed');
    assert.equal((await ctx.store.query(`SELECT 1 FROM audit_log WHERE action = 'federation.provisioning.refused' AND target = 'agreement:library'`)).length, 1);
  });

  it('lists accounts per agreement, and refuses unknown agreements and bad pages', async () => {
    const listed = await call('GET', '/api/federation/agreements/travel/provisioning?limit=10');
    assert.equal(listed.status, 200);
    assert.deepEqual(await json(listed), { items: [] }, 'nothing pushed until the worker runs');
    assert.equal((await call('GET', '/api/federation/agreements/nothing/provisioning')).status, 404);
    assert.equal((await call('POST', '/api/federation/agreements/nothing/provision')).status, 404);
    assert.equal((await call('GET', '/api/federation/agreements/travel/provisioning?limit=0')).status, 400);
    const bad = await call('GET', '/api/federation/agreements/travel/provisioning?cursor=bogus');
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).error.details[0].field, 'cursor');
  });
});

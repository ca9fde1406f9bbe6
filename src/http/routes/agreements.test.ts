import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachStore } from '../../../test/support/stores.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { listAuditEntries } from '../../audit/queries.ts';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { agreementOfClient } from '../../federation/agreements.ts';
import { exampleAgreement, exampleRp } from '../../federation/agreements-fixture.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { createHttpApp } from '../app.ts';
import type { MusterApp } from '../env.ts';

describeEachStore('HTTP trust agreements', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let token: string;
  let tokenId: string;
  let actor: string;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const call = (method: string, path: string, body?: unknown, auth = true) =>
    app.request(path, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async (res: Response) => (await res.json()) as any;

  before(async () => {
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:' } }), { store: await factory.open(), clock });
    ({ token, tokenId, actor } = await testOperator(ctx, ['federation-admin']));
    app = createHttpApp(ctx);
  });
  after(() => ctx.close());

  it('refuses every agreement route without a token', async () => {
    for (const [method, path] of [
      ['GET', '/api/federation/agreements'],
      ['GET', '/api/federation/agreements/benefits'],
      ['PUT', '/api/federation/agreements/benefits'],
      ['POST', '/api/federation/agreements/benefits/status'],
    ] as const) {
      const res = await call(method, path, method === 'GET' ? undefined : {}, false);
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal((await json(res)).error.code, 'MUSTER_ERR_UNAUTHENTICATED');
    }
  });

  it('refuses a bad document with 422 MUSTER_ERR_AGREEMENT naming each field, and saves nothing', async () => {
    const document = exampleAgreement({ relyingParties: [exampleRp({ fal: 'fal3', jwks: undefined, redirectUris: ['http://benefits.agency.example/cb'] })] });
    const res = await call('PUT', '/api/federation/agreements/benefits', { document, reason: 'try' });
    assert.equal(res.status, 422);
    const error = (await json(res)).error;
    assert.equal(error.code, 'MUSTER_ERR_AGREEMENT');
    assert.deepEqual(error.details.map((d: any) => d.field).sort(), ['relyingParties.0.boundAuthenticator', 'relyingParties.0.jwks', 'relyingParties.0.redirectUris.0']);
    const noReason = await call('PUT', '/api/federation/agreements/benefits', { document: exampleAgreement() });
    assert.equal(noReason.status, 400);
    assert.equal((await json(noReason)).error.details[0].field, 'reason');
    assert.equal((await call('GET', '/api/federation/agreements/benefits')).status, 404, 'nothing was saved');
  });

  it('saves each PUT as the next version, by the token, and shows it with its history', async () => {
    const first = await call('PUT', '/api/federation/agreements/benefits', { document: exampleAgreement(), reason: 'signed' });
    assert.equal(first.status, 201, await first.clone().text());
    const v1 = (await json(first)).agreement;
    assert.deepEqual([v1.id, v1.version, v1.status, v1.author], ['benefits', 1, 'active', actor]);
    const [saved] = await ctx.store.query<{ data: { token_id?: string } }>(`SELECT data FROM audit_log WHERE actor = $1 ORDER BY seq DESC LIMIT 1`, [actor]);
    assert.equal(saved?.data.token_id, tokenId, 'the audit entry names the token');
    assert.equal(v1.document.relyingParties[0].tokenEndpointAuthMethod, 'private_key_jwt');
    const second = await call('PUT', '/api/federation/agreements/benefits', { document: exampleAgreement({ description: 'v2' }), reason: 'clarified' });
    assert.equal((await json(second)).agreement.version, 2);
    const shown = await json(await call('GET', '/api/federation/agreements/benefits'));
    assert.equal(shown.agreement.version, 2);
    assert.deepEqual(
      shown.history.map((v: any) => [v.version, v.reason]),
      [
        [2, 'clarified'],
        [1, 'signed'],
      ],
    );
    const list = (await json(await call('GET', '/api/federation/agreements'))).items;
    assert.deepEqual(
      list.map((v: any) => [v.id, v.version]),
      [['benefits', 2]],
    );
    assert.equal((await listAuditEntries(ctx.store, { action: 'agreement.saved' })).length, 2);
  });

  it('refuses a client id registered under another agreement with 422 naming the field', async () => {
    const res = await call('PUT', '/api/federation/agreements/travel', { document: exampleAgreement({ name: 'Travel' }), reason: 'travel' });
    assert.equal(res.status, 422);
    assert.deepEqual(
      (await json(res)).error.details.map((d: any) => [d.field, d.value]),
      [['relyingParties.clientId', 'benefits-portal']],
    );
  });

  it('suspends and reactivates through /status; a change the agreement does not allow is 409 and audited', async () => {
    const suspended = await call('POST', '/api/federation/agreements/benefits/status', { status: 'suspended', reason: 'security review' });
    assert.equal(suspended.status, 200);
    assert.deepEqual(((await json(suspended)).agreement as any).status, 'suspended');
    assert.equal(await agreementOfClient(ctx.store, 'benefits-portal'), undefined);
    const again = await call('POST', '/api/federation/agreements/benefits/status', { status: 'suspended', reason: 'twice' });
    assert.equal(again.status, 409);
    assert.equal((await json(again)).error.details[0].field, 'status');
    assert.equal((await call('POST', '/api/federation/agreements/benefits/status', { status: 'active', reason: 'review passed' })).status, 200);
    assert.equal((await agreementOfClient(ctx.store, 'benefits-portal'))?.agreement.version, 4);
    assert.equal((await call('POST', '/api/federation/agreements/benefits/status', { status: 'ended', reason: 'contract over' })).status, 200);
    const revive = await call('POST', '/api/federation/agreements/benefits/status', { status: 'active', reason: 'revive' });
    assert.equal(revive.status, 409);
    const refused = await listAuditEntries(ctx.store, { action: 'agreement.refused' });
    assert.deepEqual(refused.map((e) => [e.actor, e.reason]).reverse(), [
      [actor, "trust agreement 'benefits' is already suspended"],
      [actor, "trust agreement 'benefits' is ended: it cannot become active"],
    ]);
  });

  it('answers 404 for an unknown agreement and 400 for an unknown status', async () => {
    assert.equal((await call('POST', '/api/federation/agreements/nowhere/status', { status: 'ended', reason: 'x' })).status, 404);
    const bad = await call('POST', '/api/federation/agreements/benefits/status', { status: 'paused', reason: 'x' });
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).error.details[0].field, 'status');
  });

  it('describes the routes in the OpenAPI document', async () => {
    const doc = await json(await app.request('/openapi.json'));
    assert.ok(doc.paths['/api/federation/agreements/{id}'].put);
    assert.ok(doc.paths['/api/federation/agreements/{id}/status'].post);
  });
});

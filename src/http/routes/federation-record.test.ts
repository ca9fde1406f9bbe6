import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type JWK, createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { describeEachStore } from '../../../test/support/stores.ts';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { federationIssuer } from '../../federation/issuer.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { createHttpApp } from '../app.ts';
import type { MusterApp } from '../env.ts';
import { type RunningServer, serveHttp } from '../serve.ts';
import { federationRecordPaths, federationRecordRoutes } from './federation-record.ts';

const discoveryOf = (issuer: string) => ({ issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` });

describeEachStore('HTTP home agency IdP record and entity configuration', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let server: RunningServer;
  let issuer = '';
  const clock = new ManualClock('2026-03-02T09:00:00Z');

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { host: '127.0.0.1', port: 0 }, federation: { record: { contacts: ['mailto:icam@demo.example'] } } } });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    app = createHttpApp(ctx, [federationRecordRoutes({ issuer: () => issuer, discovery: async () => discoveryOf(issuer) })]);
    server = await serveHttp(app, { host: '127.0.0.1', port: 0 });
    issuer = federationIssuer(config, server.port);
  });
  after(async () => {
    await server.close();
    await ctx.close();
  });

  it('serves the record without a token, at the host root and under the issuer path, naming the bound port', async () => {
    for (const path of ['/.well-known/piv-idp-record', '/oidc/.well-known/piv-idp-record']) {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const record = (await res.json()) as any;
      assert.equal(record.issuer, `http://127.0.0.1:${server.port}/oidc`);
      assert.deepEqual(record.protocols[0].discovery, `${issuer}/.well-known/openid-configuration`);
      assert.deepEqual(record.contacts, ['mailto:icam@demo.example']);
      assert.equal(record.entity_configuration, `${issuer}/.well-known/openid-federation`);
    }
  });

  it('serves the entity configuration at <issuer>/.well-known/openid-federation, verifiable with its own keys', async () => {
    const res = await fetch(`${issuer}/.well-known/openid-federation`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/entity-statement+jwt');
    const jwt = await res.text();
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(decodeJwt(jwt).jwks as { keys: JWK[] }), { typ: 'entity-statement+jwt', currentDate: clock.now() });
    assert.equal(protectedHeader.typ, 'entity-statement+jwt');
    assert.deepEqual([payload.iss, payload.sub], [issuer, issuer]);
    assert.ok((payload.exp as number) > (payload.iat as number));
    assert.deepEqual((payload.metadata as any).openid_provider, { ...discoveryOf(issuer), client_registration_types_supported: [] });
    assert.deepEqual((payload.metadata as any).federation_entity.piv_home_agency_idp.agency_codes, [`agency_code:${ctx.config.agency.code}`]);
  });

  it('lists the routes in the OpenAPI document without bearer security', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as any;
    for (const path of ['/.well-known/piv-idp-record', '/oidc/.well-known/piv-idp-record', '/oidc/.well-known/openid-federation']) {
      assert.ok(doc.paths[path]?.get, path);
      assert.equal(doc.paths[path].get.security, undefined, path);
    }
  });
});

it('an issuer at a host root is served at the root once', () => {
  assert.deepEqual(federationRecordPaths('https://idp.agency.example'), { records: ['/.well-known/piv-idp-record'], entityConfiguration: '/.well-known/openid-federation' });
  assert.deepEqual(federationRecordPaths('https://agency.example/idp/oidc/'), {
    records: ['/idp/oidc/.well-known/piv-idp-record', '/.well-known/piv-idp-record'],
    entityConfiguration: '/idp/oidc/.well-known/openid-federation',
  });
});

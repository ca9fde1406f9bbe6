import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import { describeEachStore } from '../../../test/support/stores.ts';
import { loadConfig } from '../../config/load.ts';
import type { Resolver } from '../../connectors/outbound/index.ts';
import { type CountingServer, countingServer, socketsOpenedDuring } from '../../connectors/outbound/test-servers.ts';
import { ManualClock } from '../../core/clock.ts';
import { claimDuePushes, deliverClaimed } from '../../protocols/ssf/delivery.ts';
import { AgreementService } from '../../federation/agreements.ts';
import { federationIssuer } from '../../federation/issuer.ts';
import { receiverAssertion, rpKey, saveAgreement, type TestRp } from '../../protocols/ssf/test-fixtures.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { correlation } from '../correlation.ts';
import type { Env } from '../env.ts';
import { errorHandler } from '../errors.ts';
import { ssfRoutesWith } from './ssf.ts';

const PUSH = 'urn:ietf:rfc:8935';
/** Test names; `flip.test` is public when the stream is created and the metadata address by the time a SET is pushed. */
const NAMES: Record<string, string> = { 'metadata.test': '169.254.169.254', 'corp.test': '10.0.0.7', 'flip.test': '93.184.216.34' };
const resolver: Resolver = async (host) => (NAMES[host] ? [{ address: NAMES[host], family: 4 }] : []);

/** An unsigned (alg none) JWT claiming to come from the client. */
function unsignedFrom(clientId: string): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ iss: clientId, sub: clientId, exp: 4_000_000_000, jti: 'x' })}.`;
}

describeEachStore('SSF stream requests and the outbound guard', (factory) => {
  let ctx: Muster;
  let app: OpenAPIHono<Env>;
  let issuer: string;
  let alpha: TestRp;
  let gamma: TestRp;
  let target: CountingServer;
  let jwksServer: CountingServer;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const call = async (auth: string, body: unknown) =>
    app.request('/ssf/streams', { method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const refusals = async () => (await ctx.store.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'ssf.request.refused'"))[0]!.n;

  before(async () => {
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:' } }), { store: await factory.open(), clock });
    app = new OpenAPIHono<Env>();
    app.use('*', correlation);
    ssfRoutesWith({ resolver })(app as never, ctx);
    app.onError(errorHandler(undefined));
    issuer = federationIssuer(ctx.config);
    target = await countingServer((_request, response) => response.writeHead(202).end());
    alpha = { clientId: 'rp-alpha', key: await rpKey('alpha-1') };
    gamma = { clientId: 'rp-gamma', key: await rpKey('gamma-1') };
    jwksServer = await countingServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=1' }).end(JSON.stringify({ keys: [gamma.key.publicJwk] })),
    );
    await saveAgreement(ctx, 'alpha', [alpha], ['account-disabled']);
    await new AgreementService(ctx).save(
      'gamma',
      {
        name: 'Agreement gamma',
        population: { agencyCodes: ['9700'] },
        idp: { issuer: 'http://127.0.0.1:8080/oidc', home: true },
        relyingParties: [
          {
            clientId: gamma.clientId,
            name: 'gamma',
            redirectUris: ['https://gamma.example.gov/cb'],
            jwksUri: `${jwksServer.url}/jwks`,
            allowPrivateNetwork: true,
            privateNetworkReason: 'the test RP publishes its keys on loopback',
          },
        ],
        signals: [{ event: 'account-disabled', action: 'review' }],
      },
      'test:setup',
      'test agreement',
    );
  });
  after(async () => {
    await ctx.close();
    await target.close();
    await jwksServer.close();
  });

  it('refuses a push endpoint at a loopback, metadata or private address at once (400, audited), without connecting to it', async () => {
    const before = await refusals();
    const endpoints = [
      [`http://127.1:${target.port}/admin`, /127\.0\.0\.1, a loopback address/],
      ['https://metadata.test/latest/meta-data/', /metadata\.test resolves to 169\.254\.169\.254, a cloud metadata \(link-local\) address/],
      ['https://corp.test/events', /corp\.test resolves to 10\.0\.0\.7, a private address/],
      ['https://[::ffff:169.254.169.254]/events', /cloud metadata/],
    ] as const;
    const opened = await socketsOpenedDuring(async () => {
      for (const [url, why] of endpoints) {
        const answer = await call(await receiverAssertion(alpha, issuer, clock.now()), { delivery: { method: PUSH, endpoint_url: url, authorization_header: 'Bearer chosen-by-the-rp' } });
        assert.equal(answer.status, 400, url);
        const { error } = (await answer.json()) as { error: { message: string; details: { field: string }[] } };
        assert.match(error.message, why);
        assert.equal(error.details[0]?.field, 'delivery.endpoint_url');
      }
    });
    assert.equal(opened, 0, 'muster opened no connection');
    assert.equal(target.connections(), 0);
    assert.equal((await refusals()) - before, endpoints.length, 'each refusal audited');
  });

  it('checks a push endpoint again at each push: a name that now resolves to the metadata address gets nothing', async () => {
    NAMES['flip.test'] = '93.184.216.34';
    const created = await call(await receiverAssertion(alpha, issuer, clock.now()), { delivery: { method: PUSH, endpoint_url: 'https://flip.test/events' } });
    assert.equal(created.status, 201, 'a public address when the stream is created (resolved, never connected to)');
    const { stream_id } = (await created.json()) as { stream_id: string };
    const verify = await app.request('/ssf/verify', {
      method: 'POST',
      headers: { authorization: `Bearer ${await receiverAssertion(alpha, issuer, clock.now())}`, 'content-type': 'application/json' },
      body: JSON.stringify({ stream_id }),
    });
    assert.equal(verify.status, 204);
    NAMES['flip.test'] = '169.254.169.254';
    const options = { store: ctx.store, clock: ctx.clock, audit: ctx.audit, timeoutMs: 1000, maxAttempts: 5, backoff: { baseMs: 1000, maxMs: 60_000 }, leaseMs: 5000, batchSize: 10, resolver };
    let outcomes: Awaited<ReturnType<typeof deliverClaimed>>[] = [];
    const opened = await socketsOpenedDuring(async () => {
      outcomes = await Promise.all((await claimDuePushes(options)).map((set) => deliverClaimed(options, set)));
    });
    assert.equal(opened, 0);
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0]?.result, 'retry');
    assert.match(outcomes[0]?.error ?? '', /flip\.test resolves to 169\.254\.169\.254, a cloud metadata \(link-local\) address/);
  });

  it('fetches an RP jwks_uri at most once per floor interval under a flood of unsigned and badly signed assertions', async () => {
    const forger: TestRp = { clientId: gamma.clientId, key: await rpKey('gamma-1') };
    const flood = [...Array.from({ length: 30 }, () => unsignedFrom(gamma.clientId)), ...(await Promise.all(Array.from({ length: 30 }, () => receiverAssertion(forger, issuer, clock.now()))))];
    const answers = await Promise.all(flood.map((jwt) => call(jwt, {})));
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [401]);
    assert.equal(jwksServer.requests.length, 1, 'one fetch of the jwks_uri');
    const created = await call(await receiverAssertion(gamma, issuer, clock.now()), {});
    assert.equal(created.status, 201, 'the cached keys verify a good assertion');
    assert.equal(jwksServer.requests.length, 1);
    clock.advance(61_000);
    await call(unsignedFrom(gamma.clientId), {});
    assert.equal(jwksServer.requests.length, 2, 'fetched again after the floor');
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { decodeJwt } from 'jose';
import { describeEachStore } from '../../../test/support/stores.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { SIGNAL_EVENTS, SSF_VERIFICATION_EVENT } from '../../core/federation/profile.ts';
import { federationIssuer } from '../../federation/issuer.ts';
import { setSigningKey } from '../../protocols/ssf/keys.ts';
import { type SignalDraft, queueSignals } from '../../protocols/ssf/signals/queue.ts';
import { insertIdentity, knownTo, receiverAssertion, rpKey, saveAgreement, type TestRp } from '../../protocols/ssf/test-fixtures.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { createHttpApp } from '../app.ts';
import type { MusterApp } from '../env.ts';

const DISABLED = SIGNAL_EVENTS['account-disabled'];
const ENABLED = SIGNAL_EVENTS['account-enabled'];

describeEachStore('SSF transmitter over HTTP', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let issuer: string;
  let alpha: TestRp;
  let beta: TestRp;
  let identity: string;
  let streamId: string;
  const clock = new ManualClock('2026-03-02T09:00:00Z');

  const call = async (rp: TestRp | null, method: string, path: string, body?: unknown, auth?: string) =>
    app.request(path, {
      method,
      headers: {
        ...(rp ? { authorization: `Bearer ${await receiverAssertion(rp, issuer, clock.now())}` } : {}),
        ...(auth ? { authorization: auth } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async (res: Response) => (await res.json()) as any;
  const queue = (drafts: SignalDraft[]) => ctx.store.transaction((tx) => queueSignals(tx, { issuer, vault: ctx.keyVault, now: clock.now(), txn: 'test' }, identity, drafts));
  const disabled: SignalDraft = { signal: 'account-disabled', payload: { initiating_entity: 'policy' } };
  const poll = async (body: unknown = {}) => json(await call(alpha, 'POST', `/ssf/poll/${streamId}`, body));

  before(async () => {
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:' } }), { store: await factory.open(), clock });
    app = createHttpApp(ctx);
    issuer = federationIssuer(ctx.config);
    alpha = { clientId: 'rp-alpha', key: await rpKey('alpha-1') };
    beta = { clientId: 'rp-beta', key: await rpKey('beta-1') };
    await saveAgreement(ctx, 'alpha', [alpha], ['account-disabled', 'session-revoked']);
    await saveAgreement(ctx, 'beta', [beta], ['account-enabled', 'federated-identifier-changed']);
    identity = await insertIdentity(ctx.store, clock.now());
    await knownTo(ctx.store, identity, alpha.clientId, 'alpha-sub', clock.now());
    await knownTo(ctx.store, identity, beta.clientId, 'beta-sub', clock.now());
  });
  after(() => ctx.close());

  it('publishes transmitter metadata at the well-known URL and with the issuer path inserted', async () => {
    for (const path of ['/.well-known/ssf-configuration', '/.well-known/ssf-configuration/oidc']) {
      const res = await app.request(path);
      assert.equal(res.status, 200, path);
      const meta = await json(res);
      assert.equal(meta.spec_version, '1_0');
      assert.equal(meta.issuer, issuer);
      assert.deepEqual(meta.delivery_methods_supported, ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936']);
      assert.deepEqual(meta.authorization_schemes, [{ spec_urn: 'urn:ietf:rfc:6749' }]);
      assert.equal(meta.default_subjects, 'ALL');
      for (const key of ['jwks_uri', 'configuration_endpoint', 'status_endpoint', 'add_subject_endpoint', 'remove_subject_endpoint', 'verification_endpoint'])
        assert.match(meta[key], /^http:\/\/127\.0\.0\.1:\d+\/ssf\//, key);
    }
  });

  it('publishes the transmitter key before any SET is made: the key the first SET is signed with', async () => {
    assert.deepEqual(await ctx.store.query('SELECT jti FROM ssf_events'), [], 'no SET yet');
    const res = await app.request('/ssf/jwks');
    assert.equal(res.status, 200);
    const { keys } = await json(res);
    assert.equal(keys.length, 1, 'the key is published at once');
    assert.equal(keys[0].d, undefined, 'no private part');
    const signing = await ctx.store.transaction((tx) => setSigningKey(tx, ctx.keyVault, clock.now()));
    assert.equal(signing.kid, keys[0].kid, 'the first SET is signed with the published key');
  });

  it('refuses receivers without a valid bearer assertion, and audits each refusal', async () => {
    const now = clock.now();
    const refusals = [
      await call(null, 'GET', '/ssf/streams'),
      await call(null, 'GET', '/ssf/streams', undefined, 'Bearer not-a-jwt'),
      await call(null, 'GET', '/ssf/streams', undefined, `Bearer ${await receiverAssertion(alpha, issuer, now, { aud: 'https://elsewhere.example' })}`),
      await call(null, 'GET', '/ssf/streams', undefined, `Bearer ${await receiverAssertion(alpha, issuer, now, { exp: Math.floor(now.getTime() / 1000) + 600 })}`),
      await call(null, 'GET', '/ssf/streams', undefined, `Bearer ${await receiverAssertion({ ...alpha, key: await rpKey('alpha-1') }, issuer, now)}`),
    ];
    for (const res of refusals) {
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
    const once = `Bearer ${await receiverAssertion(alpha, issuer, now, { jti: 'only-once' })}`;
    assert.equal((await call(null, 'GET', '/ssf/streams', undefined, once)).status, 200);
    assert.equal((await call(null, 'GET', '/ssf/streams', undefined, once)).status, 401, 'a replayed assertion is refused');
    const [row] = await ctx.store.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'ssf.auth.refused'");
    assert.equal(row!.n, 6);
  });

  it('creates one stream per receiver, delivering only what the agreement lists', async () => {
    const bad = await call(alpha, 'POST', '/ssf/streams', { delivery: { method: 'urn:example:carrier-pigeon' } });
    assert.equal(bad.status, 400);
    const insecure = await call(alpha, 'POST', '/ssf/streams', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'http://rp.example.gov/events' } });
    assert.equal(insecure.status, 400);
    assert.match((await json(insecure)).error.message, /delivery\.endpoint_url/);
    const created = await call(alpha, 'POST', '/ssf/streams', { events_requested: [DISABLED, ENABLED], description: 'alpha poll' });
    assert.equal(created.status, 201);
    const stream = await json(created);
    streamId = stream.stream_id;
    assert.equal(stream.iss, issuer);
    assert.equal(stream.aud, alpha.clientId);
    assert.equal(stream.delivery.method, 'urn:ietf:rfc:8936');
    assert.equal(stream.delivery.endpoint_url, `${new URL(issuer).origin}/ssf/poll/${streamId}`);
    assert.deepEqual(stream.events_delivered, [DISABLED], 'account-enabled is not in the agreement');
    assert.equal((await call(alpha, 'POST', '/ssf/streams', {})).status, 409);
  });

  it("reads, updates and replaces only the receiver's own stream", async () => {
    assert.equal((await json(await call(alpha, 'GET', '/ssf/streams'))).length, 1);
    assert.deepEqual(await json(await call(beta, 'GET', '/ssf/streams')), []);
    const refusedBefore = await ctx.store.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'ssf.request.refused'");
    assert.equal((await call(beta, 'GET', `/ssf/streams?stream_id=${streamId}`)).status, 404);
    assert.equal((await call(alpha, 'GET', '/ssf/streams?stream_id=nope')).status, 404);
    const refusedAfter = await ctx.store.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'ssf.request.refused'");
    assert.equal(refusedAfter[0]!.n - refusedBefore[0]!.n, 2, 'both refusals audited');
    const patched = await call(alpha, 'PATCH', '/ssf/streams', { stream_id: streamId, description: 'renamed' });
    assert.equal(patched.status, 200);
    const patchedStream = await json(patched);
    assert.equal(patchedStream.description, 'renamed');
    assert.deepEqual(patchedStream.events_delivered, [DISABLED]);
    const replaced = await json(await call(alpha, 'PUT', '/ssf/streams', { stream_id: streamId, delivery: { method: 'urn:ietf:rfc:8936' } }));
    assert.deepEqual(replaced.events_delivered, [DISABLED, SIGNAL_EVENTS['session-revoked']], 'no events_requested: all the agreement lists');
    assert.equal(replaced.description, undefined);
    assert.equal((await call(alpha, 'PATCH', '/ssf/streams', { description: 'x' })).status, 400);
    assert.equal((await call(beta, 'PATCH', '/ssf/streams', { stream_id: streamId, description: 'x' })).status, 404);
  });

  it('polls (RFC 8936): unacknowledged SETs come again, acknowledged ones are delivered', async () => {
    const queued = await queue([disabled, { signal: 'account-enabled', payload: {} }]);
    assert.deepEqual(
      queued.map((q) => `${q.clientId} ${q.signal}`),
      ['rp-alpha account-disabled', 'rp-beta account-enabled'],
      'each RP only what its agreement lists',
    );
    const first = await poll({ maxEvents: 10, returnImmediately: true });
    const jtis = Object.keys(first.sets);
    assert.equal(jtis.length, 1);
    const claims = decodeJwt(first.sets[jtis[0]!]);
    assert.deepEqual(claims.sub_id, { format: 'iss_sub', iss: issuer, sub: 'alpha-sub' });
    assert.equal(claims.aud, alpha.clientId);
    assert.deepEqual(Object.keys((await poll()).sets), jtis, 'not acknowledged: sent again');
    const acked = await poll({ ack: jtis });
    assert.deepEqual(acked.sets, {});
    assert.equal(acked.moreAvailable, false);
    const [row] = await ctx.store.query<{ state: string }>('SELECT state FROM ssf_events WHERE jti = $1', [jtis[0]]);
    assert.equal(row!.state, 'delivered');
    await queue([disabled, disabled]);
    const page = await poll({ maxEvents: 1 });
    assert.equal(Object.keys(page.sets).length, 1);
    assert.equal(page.moreAvailable, true);
    const errs = await poll({ setErrs: Object.fromEntries(Object.keys(page.sets).map((j) => [j, { err: 'invalid_key', description: 'unknown kid' }])), maxEvents: 10 });
    assert.equal(Object.keys(errs.sets).length, 1, 'the errored SET is failed, the other remains');
    await poll({ ack: Object.keys(errs.sets) });
  });

  it('holds events while paused and releases them in order when enabled', async () => {
    const status = await call(alpha, 'POST', '/ssf/status', { stream_id: streamId, status: 'paused', reason: 'maintenance' });
    assert.equal(status.status, 200);
    assert.deepEqual(await json(await call(alpha, 'GET', `/ssf/status?stream_id=${streamId}`)), { stream_id: streamId, status: 'paused', reason: 'maintenance' });
    assert.equal((await call(alpha, 'POST', '/ssf/status', { stream_id: streamId, status: 'sleeping' })).status, 400);
    const queued = await queue([disabled, { signal: 'session-revoked', payload: {} }]);
    assert.deepEqual((await poll()).sets, {});
    assert.equal((await call(alpha, 'POST', '/ssf/status', { stream_id: streamId, status: 'enabled' })).status, 200);
    const released = await poll();
    assert.deepEqual(
      Object.keys(released.sets),
      queued.filter((q) => q.clientId === alpha.clientId).map((q) => q.jti),
    );
    await poll({ ack: Object.keys(released.sets) });
  });

  it('sends a verification SET, at most once per min_verification_interval', async () => {
    assert.equal((await call(alpha, 'POST', '/ssf/verify', { stream_id: streamId, state: 'abc123' })).status, 204);
    assert.equal((await call(alpha, 'POST', '/ssf/verify', { stream_id: streamId, state: 'again' })).status, 429);
    const { sets } = await poll();
    const claims = decodeJwt(Object.values(sets)[0] as string);
    assert.deepEqual(claims.sub_id, { format: 'opaque', id: streamId });
    assert.deepEqual(claims.events, { [SSF_VERIFICATION_EVENT]: { state: 'abc123' } });
    await poll({ ack: Object.keys(sets) });
  });

  it('stops and resumes events about a removed subject', async () => {
    const subject = { format: 'iss_sub', iss: issuer, sub: 'alpha-sub' };
    assert.equal((await call(alpha, 'POST', '/ssf/subjects/remove', { stream_id: streamId, subject: { format: 'email', email: 'a@b.gov' } })).status, 400);
    assert.equal((await call(alpha, 'POST', '/ssf/subjects/remove', { stream_id: 'nope', subject })).status, 404);
    assert.equal((await call(alpha, 'POST', '/ssf/subjects/remove', { stream_id: streamId, subject })).status, 204);
    assert.deepEqual(
      (await queue([disabled])).filter((q) => q.clientId === alpha.clientId),
      [],
    );
    assert.equal((await call(alpha, 'POST', '/ssf/subjects/add', { stream_id: streamId, subject, verified: true })).status, 200);
    assert.equal((await queue([disabled])).filter((q) => q.clientId === alpha.clientId).length, 1);
  });

  it('changes the federated identifier: new subjects recorded, the old → new signal only where the agreement lists it', async () => {
    const { token } = await testOperator(ctx, ['federation-admin']);
    const res = await app.request(`/api/federation/identities/${identity}/identifier-change`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'identifier exposed' }),
    });
    assert.equal(res.status, 200);
    const result = await json(res);
    assert.deepEqual(
      result.changed.map((c: any) => c.clientId),
      ['rp-alpha', 'rp-beta'],
    );
    assert.deepEqual(
      result.queued.map((q: any) => q.clientId),
      ['rp-beta'],
    );
    const beta1 = result.changed.find((c: any) => c.clientId === 'rp-beta');
    const [set] = await ctx.store.query<{ set_jwt: string }>('SELECT set_jwt FROM ssf_events WHERE jti = $1', [result.queued[0].jti]);
    const claims = decodeJwt(set!.set_jwt);
    assert.deepEqual(claims.sub_id, { format: 'iss_sub', iss: issuer, sub: 'beta-sub' });
    assert.deepEqual(claims.events, { [SIGNAL_EVENTS['federated-identifier-changed']]: { new_sub_id: { format: 'iss_sub', iss: issuer, sub: beta1.newSub } } });
    const subs = await ctx.store.query<{ sub: string }>('SELECT sub FROM federation_rp_subjects WHERE identity_id = $1 ORDER BY client_id', [identity]);
    assert.deepEqual(
      subs.map((s) => s.sub),
      result.changed.map((c: any) => c.newSub),
    );
    assert.equal(
      (
        await app.request('/api/federation/identities/00000000-0000-4000-8000-000000000000/identifier-change', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'x' }),
        })
      ).status,
      404,
    );
  });

  it('deletes the stream', async () => {
    assert.equal((await call(alpha, 'DELETE', `/ssf/streams?stream_id=${streamId}`)).status, 204);
    assert.equal((await call(alpha, 'GET', `/ssf/streams?stream_id=${streamId}`)).status, 404);
    assert.equal((await call(alpha, 'DELETE', `/ssf/streams?stream_id=${streamId}`)).status, 404);
  });
});

// Attacks on PIV federation and bad input, against the real parts over HTTP: muster's OP (client assertions,
// authorization requests, dynamic registration, UserInfo) with openid-client and raw HTTP; the RP library against a
// hostile IdP that forges ID tokens; and the SSF stream management API. Each attempt is refused with the protocol's
// error, grants nothing, and (on muster's side) is audited.
import assert from 'node:assert/strict';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import * as client from 'openid-client';
import { loadConfig } from '../../src/config/load.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { ACR, SIGNAL_EVENTS } from '../../src/core/federation/profile.ts';
import { federationIssuer, issuerBoundTo } from '../../src/federation/issuer.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { serveHttp, type RunningServer } from '../../src/http/serve.ts';
import { queueSignals } from '../../src/protocols/ssf/signals/queue.ts';
import { insertIdentity, knownTo, receiverAssertion, rpKey, saveAgreement, type TestRp } from '../../src/protocols/ssf/test-fixtures.ts';
import { startMuster, type Muster } from '../../src/runtime/context.ts';
import { AgreementService } from '../../src/federation/agreements.ts';
import { identityByKey } from '../../src/lifecycle/test-fixtures.ts';
import { mintRegistrationToken } from '../../src/protocols/oidc/clients.ts';
import { testCredential } from '../../src/protocols/oidc/test-support.ts';
import { hrCsv, hrLine, useHarness, type Harness } from '../support/muster.ts';
import { MemoryAccountStore } from '../../src/rp/accounts.ts';
import { createRpClient } from '../../src/rp/client.ts';
import { isRpError, type RpErrorCode } from '../../src/rp/errors.ts';
import { MemoryRecorder } from '../../src/rp/notices.ts';
import { MemorySessionStore } from '../../src/rp/sessions.ts';
import { clientKeys, pivClaims, testAgreements } from '../../src/rp/test-fixtures.ts';
import { pgliteFactory } from '../support/stores.ts';
import { startAttackOp, type AttackOp } from './federation-attacks-op.ts';
import { startForgingIdp, type ForgingIdp } from './forging-idp.ts';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const redirect = (rp: string) => `http://127.0.0.1/${rp}/cb`;

interface RpKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function rsaKeys(kid: string): Promise<RpKeys> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  return { ...pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** Audit rows written after `seq`, for one action. */
async function auditedSince(h: Harness, seq: number, action = 'oidc.refused'): Promise<{ reason: string; target: string; data: Record<string, any> }[]> {
  return h.store.query('SELECT reason, target, data FROM audit_log WHERE seq > $1 AND action = $2 ORDER BY seq', [seq, action]);
}

async function lastSeq(h: Harness): Promise<number> {
  const [row] = await h.store.query<{ seq: string | null }>('SELECT MAX(seq) AS seq FROM audit_log');
  return Number(row?.seq ?? 0);
}

/** A server that counts the requests it gets: where an attacker points `jku` and `x5u`. */
async function attackerServer(body: unknown): Promise<{ url: string; hits: number; close(): Promise<void> }> {
  const counter = { hits: 0 };
  const server: Server = createServer((_req, res) => {
    counter.hits += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  return {
    url,
    get hits() {
      return counter.hits;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("attacks on muster's OP", () => {
  const h = useHarness(pgliteFactory, { import: { massChangeShare: 1 } });
  let op: AttackOp;
  const ids: Record<string, string> = {};
  const cards: Record<string, string> = {};
  const keys: Record<string, RpKeys> = {};

  const rpEntry = (clientId: string) => ({ clientId, name: clientId, redirectUris: [redirect(clientId)], jwks: { keys: [keys[clientId]!.jwk] }, fal: 'fal2' });
  const agreement = (rps: unknown[], over: Record<string, unknown> = {}) => ({
    name: 'attack tests',
    population: { agencyCodes: ['9700'] },
    idp: { issuer: op.issuer, home: true },
    relyingParties: rps,
    attributes: [{ name: 'email', purpose: 'contact' }],
    consent: 'allowlisted',
    assurance: { fal: { min: 'fal1', max: 'fal3' } },
    ...over,
  });

  before(async () => {
    h.clock.set(new Date());
    op = await startAttackOp(h);
    for (const rp of ['rp-a', 'rp-b']) keys[rp] = await rsaKeys(`${rp}-key`);
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr.csv', hrCsv([hrLine('E1'), hrLine('E2')])), actor: 'hr.admin' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    for (const key of ['E1', 'E2']) {
      ids[key] = (await identityByKey(h.store, 'employee_id', key)).id;
      cards[key] = await testCredential(h, ids[key] as string);
    }
    const agreements = new AgreementService(h);
    await agreements.save('apps-a', agreement([rpEntry('rp-a')]), 'admin', 'test');
    await agreements.save('apps-b', agreement([rpEntry('rp-b')]), 'admin', 'test');
    await agreements.save('apps-dyn', agreement([], { dynamicRegistration: true, assurance: { fal: { min: 'fal2', max: 'fal3' } } }), 'admin', 'test');
    await agreements.save('apps-closed', agreement([], { dynamicRegistration: true }), 'admin', 'test');
  });

  after(async () => {
    await op?.close();
  });

  const rp = (clientId: string, key = keys[clientId]!.privateKey) => client.discovery(new URL(op.issuer), clientId, {}, client.PrivateKeyJwt(key), { execute: [client.allowInsecureRequests] });

  interface SignIn {
    config: client.Configuration;
    callback: URL;
    verifier: string;
    nonce: string;
    state: string;
    jar: Map<string, string>;
  }

  /** Follows the OP's redirects with a cookie jar until one leaves for the RP's redirect URI. */
  async function browse(start: URL, jar = new Map<string, string>()): Promise<URL> {
    let url = start;
    for (let hop = 0; hop < 12; hop += 1) {
      if (url.origin !== new URL(op.issuer).origin) return url;
      const response = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const set of response.headers.getSetCookie()) {
        const [pair = ''] = set.split(';');
        jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      }
      const location = response.headers.get('location');
      if (!location) throw new Error(`no redirect from ${url.href}: ${response.status} ${await response.text()}`);
      url = new URL(location, url);
    }
    throw new Error('too many redirects');
  }

  async function signIn(clientId: string, identity = 'E1', params: Record<string, string> = {}, jar = new Map<string, string>()): Promise<SignIn> {
    const config = await rp(clientId);
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    op.next ??= { identityId: ids[identity] as string, credentialId: cards[identity] as string };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect(clientId),
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
      ...params,
    });
    const callback = await browse(url, jar);
    return { config, callback, verifier, nonce, state, jar };
  }

  const exchange = (s: SignIn, config = s.config) => client.authorizationCodeGrant(config, s.callback, { pkceCodeVerifier: s.verifier, expectedNonce: s.nonce, expectedState: s.state });

  /** A raw authorization request; the answer's status, where it sends the browser, and its body. */
  async function authorize(params: Record<string, string>): Promise<{ status: number; location: URL | undefined; body: string }> {
    const url = new URL(`${op.issuer}/auth`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const response = await fetch(url, { redirect: 'manual' });
    const location = response.headers.get('location');
    return { status: response.status, location: location ? new URL(location, url) : undefined, body: await response.text() };
  }

  const codeRequest = (clientId: string, over: Record<string, string> = {}) => ({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: redirect(clientId),
    state: 'st',
    nonce: 'n-0123456789abcdef',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUSMBJ8kM',
    code_challenge_method: 'S256',
    ...over,
  });

  async function tokenRequest(body: Record<string, string>): Promise<{ status: number; error: string; description: string }> {
    const response = await fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: redirect('rp-a'), code_verifier: 'v'.repeat(43), ...body }),
    });
    const answer = (await response.json()) as { error: string; error_description?: string };
    return { status: response.status, error: answer.error, description: answer.error_description ?? '' };
  }

  /** UserInfo answered 401 with an `invalid_token` challenge. */
  const invalidToken = (e: any) => e instanceof client.WWWAuthenticateChallengeError && (e.cause as { parameters: { error?: string } }[])[0]?.parameters.error === 'invalid_token';

  const now = () => Math.floor(Date.now() / 1000);
  const claims = (over: JWTPayload = {}): JWTPayload => ({ iss: 'rp-a', sub: 'rp-a', aud: op.issuer, jti: crypto.randomUUID(), iat: now(), exp: now() + 120, ...over });
  const assertWith = (assertion: string, clientId = 'rp-a') => tokenRequest({ client_id: clientId, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion });

  /** The attempt failed client authentication, and was audited as a refused grant of that client. */
  async function refusedClient(attempt: () => Promise<{ status: number; error: string }>, clientId = 'rp-a', expected: [number, string] = [401, 'invalid_client']): Promise<void> {
    const seq = await lastSeq(h);
    const answer = await attempt();
    assert.deepEqual([answer.status, answer.error], expected, JSON.stringify(answer));
    const rows = await auditedSince(h, seq);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.deepEqual([rows[0]!.reason, rows[0]!.data.error, rows[0]!.data.clientId], ['grant.error', expected[1], clientId]);
  }

  describe('client assertions at the token endpoint', () => {
    test('a good assertion gets past client authentication (the control case)', async () => {
      const good = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key' }).sign(keys['rp-a']!.privateKey);
      assert.equal((await assertWith(good)).error, 'invalid_grant');
    });

    test('an unknown kid is refused', async () => {
      const jwt = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'no-such-key' }).sign(keys['rp-a']!.privateKey);
      await refusedClient(() => assertWith(jwt));
    });

    test("a key not in the client's agreement is refused, under the agreed kid or with itself embedded as jwk", async () => {
      const intruder = await rsaKeys('rp-a-key');
      const sameKid = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key' }).sign(intruder.privateKey);
      await refusedClient(() => assertWith(sameKid));
      const embedded = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key', jwk: { kty: intruder.jwk.kty, n: intruder.jwk.n!, e: intruder.jwk.e! } })
        .sign(intruder.privateKey);
      await refusedClient(() => assertWith(embedded));
      const embeddedNoKid = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', jwk: { kty: intruder.jwk.kty, n: intruder.jwk.n!, e: intruder.jwk.e! } }).sign(intruder.privateKey);
      await refusedClient(() => assertWith(embeddedNoKid));
    });

    test("jku and x5u headers pointing at the attacker's keys are never followed", async () => {
      const intruder = await rsaKeys('rp-a-key');
      const server = await attackerServer({ keys: [intruder.jwk] });
      try {
        for (const header of [{ jku: server.url }, { x5u: server.url }, { jku: server.url, kid: 'attacker' }]) {
          const jwt = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key', ...header }).sign(intruder.privateKey);
          await refusedClient(() => assertWith(jwt));
        }
        assert.equal(server.hits, 0, 'the OP fetched nothing from the attacker');
      } finally {
        await server.close();
      }
    });

    test('an assertion not yet valid (nbf or iat in the future) is refused', async () => {
      const notBefore = await new SignJWT(claims({ nbf: now() + 600 })).setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key' }).sign(keys['rp-a']!.privateKey);
      await refusedClient(() => assertWith(notBefore));
      const future = await new SignJWT(claims({ iat: now() + 600, exp: now() + 720 })).setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key' }).sign(keys['rp-a']!.privateKey);
      await refusedClient(() => assertWith(future));
    });

    test('an assertion for another server, or naming another client as issuer or subject, is refused', async () => {
      const elsewhere = await new SignJWT(claims({ aud: 'http://127.0.0.1:1/oidc/token' })).setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key' }).sign(keys['rp-a']!.privateKey);
      await refusedClient(() => assertWith(elsewhere));
      const asB = await new SignJWT(claims({ iss: 'rp-b', sub: 'rp-b' })).setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key' }).sign(keys['rp-a']!.privateKey);
      await refusedClient(() => assertWith(asB, 'rp-b'), 'rp-b');
      const otherSubject = await new SignJWT(claims({ sub: 'rp-b' })).setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key' }).sign(keys['rp-a']!.privateKey);
      await refusedClient(() => assertWith(otherSubject), 'rp-a', [400, 'invalid_request']);
    });

    test('a replayed assertion (same jti) is refused the second time', async () => {
      const once = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key' }).sign(keys['rp-a']!.privateKey);
      assert.equal((await assertWith(once)).error, 'invalid_grant', 'first use authenticates');
      await refusedClient(() => assertWith(once));
    });

    test('algorithm confusion: the RS256 public key used as an HS256 secret is refused', async () => {
      const publicKey = createPublicKey({ key: keys['rp-a']!.jwk as JsonWebKey, format: 'jwk' });
      for (const secret of [publicKey.export({ type: 'spki', format: 'pem' }), publicKey.export({ type: 'spki', format: 'der' }), Buffer.from(JSON.stringify(keys['rp-a']!.jwk))]) {
        const jwt = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'rp-a-key' }).sign(new Uint8Array(Buffer.from(secret)));
        await refusedClient(() => assertWith(jwt));
      }
    });
  });

  describe('authorization requests', () => {
    test("an unknown client gets the OP's error page, never a redirect", async () => {
      const seq = await lastSeq(h);
      const answer = await authorize(codeRequest('rp-nobody'));
      assert.equal(answer.status, 400);
      assert.equal(answer.location, undefined);
      assert.match(answer.body, /invalid_client/);
      const rows = await auditedSince(h, seq);
      assert.deepEqual(
        rows.map((r) => [r.reason, r.data.error, r.data.clientId]),
        [['authorization.error', 'invalid_client', 'rp-nobody']],
      );
    });

    test('a redirect_uri the agreement does not list gets the error page; nothing is sent there', async () => {
      const seq = await lastSeq(h);
      const answer = await authorize(codeRequest('rp-a', { redirect_uri: 'https://attacker.example/cb' }));
      assert.equal(answer.status, 400);
      assert.equal(answer.location, undefined);
      assert.match(answer.body, /invalid_redirect_uri/);
      const rows = await auditedSince(h, seq);
      assert.deepEqual(
        rows.map((r) => [r.reason, r.data.error, r.data.clientId]),
        [['authorization.error', 'invalid_redirect_uri', 'rp-a']],
      );
    });

    test('missing PKCE and plain PKCE are refused back to the client', async () => {
      for (const over of [
        { code_challenge: '', code_challenge_method: '' },
        { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
      ]) {
        const seq = await lastSeq(h);
        const params = Object.fromEntries(Object.entries(codeRequest('rp-a', over)).filter(([, v]) => v !== ''));
        const answer = await authorize(params);
        assert.equal(answer.status, 303);
        assert.ok(answer.location?.href.startsWith(redirect('rp-a')), answer.location?.href);
        assert.equal(answer.location?.searchParams.get('error'), 'invalid_request', JSON.stringify(over));
        assert.equal(answer.location?.searchParams.get('code'), null);
        const rows = await auditedSince(h, seq);
        assert.deepEqual(
          rows.map((r) => [r.reason, r.data.error, r.data.clientId]),
          [['authorization.error', 'invalid_request', 'rp-a']],
        );
      }
    });

    test('a wrong code_verifier is refused, and grants nothing', async () => {
      const flow = await signIn('rp-a');
      const seq = await lastSeq(h);
      await assert.rejects(
        client.authorizationCodeGrant(flow.config, flow.callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedNonce: flow.nonce, expectedState: flow.state }),
        (e: any) => e.error === 'invalid_grant',
      );
      const rows = await auditedSince(h, seq);
      assert.deepEqual(
        rows.map((r) => [r.reason, r.data.error, r.data.clientId]),
        [['grant.error', 'invalid_grant', 'rp-a']],
      );
      assert.deepEqual(await auditedSince(h, seq, 'oidc.token.issued'), []);
    });

    test('a code issued to one client is refused to another, and grants nothing', async () => {
      const flow = await signIn('rp-a');
      const seq = await lastSeq(h);
      const asB = await rp('rp-b');
      await assert.rejects(
        client.authorizationCodeGrant(asB, new URL(flow.callback.href.replace(redirect('rp-a'), redirect('rp-b'))), {
          pkceCodeVerifier: flow.verifier,
          expectedNonce: flow.nonce,
          expectedState: flow.state,
        }),
        (e: any) => e.error === 'invalid_grant',
      );
      const rows = await auditedSince(h, seq);
      assert.deepEqual(
        rows.map((r) => [r.reason, r.data.error, r.data.clientId]),
        [['grant.error', 'invalid_grant', 'rp-b']],
      );
      assert.deepEqual(await auditedSince(h, seq, 'oidc.token.issued'), []);
    });

    test('a client of a suspended agreement is refused at once: authorization, its pending code and its access token', async () => {
      const issued = await exchange(await signIn('rp-b'));
      const pending = await signIn('rp-b');
      const config = pending.config;
      const agreements = new AgreementService(h);
      await agreements.setStatus('apps-b', 'suspended', 'admin', 'relying party under review');
      try {
        const seq = await lastSeq(h);
        const answer = await authorize(codeRequest('rp-b'));
        assert.equal(answer.status, 400);
        assert.match(answer.body, /invalid_client/);
        await assert.rejects(exchange(pending, config), (e: any) => e.error === 'invalid_client');
        await assert.rejects(client.fetchUserInfo(config, issued.access_token, issued.claims()!.sub), invalidToken);
        const rows = await auditedSince(h, seq);
        assert.deepEqual(
          rows.map((r) => [r.reason, r.data.error, r.data.clientId]),
          [
            ['authorization.error', 'invalid_client', 'rp-b'],
            ['grant.error', 'invalid_client', 'rp-b'],
            ['userinfo.error', 'invalid_token', null],
          ],
        );
        assert.deepEqual(await auditedSince(h, seq, 'oidc.token.issued'), []);
      } finally {
        await agreements.setStatus('apps-b', 'active', 'admin', 'review done');
      }
    });

    test('acr_values above the AAL of the session force a new sign-in; the session does not answer it', async () => {
      const jar = new Map<string, string>();
      op.next = { identityId: ids.E1 as string, credentialId: cards.E1 as string, aal: 'aal2' };
      const first = await exchange(await signIn('rp-a', 'E1', {}, jar));
      assert.equal(first.claims()!.acr, ACR.aal2);
      const logins = op.logins;
      const reused = await exchange(await signIn('rp-a', 'E1', {}, jar));
      assert.equal(op.logins, logins, 'without acr_values the AAL2 session is reused');
      assert.equal(reused.claims()!.acr, ACR.aal2);
      op.next = { identityId: ids.E1 as string, credentialId: cards.E1 as string, aal: 'aal3' };
      const stepped = await exchange(await signIn('rp-a', 'E1', { acr_values: ACR.aal3 }, jar));
      assert.equal(op.logins, logins + 1, 'acr_values for AAL3 made the OP ask for a new sign-in');
      assert.equal(stepped.claims()!.acr, ACR.aal3);
      op.next = undefined;
    });
  });

  describe('dynamic client registration', () => {
    const dynamicKeys = rsaKeys('dyn-key');
    const metadata = async (over: Record<string, unknown> = {}) => ({
      redirect_uris: ['https://dyn.example.gov/cb'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [(await dynamicKeys).jwk] },
      ...over,
    });

    async function register(body: string, token?: string): Promise<{ status: number; error: string; clientId?: string }> {
      const response = await fetch(`${op.issuer}/reg`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
      const answer = (await response.json()) as { error?: string; client_id?: string };
      return { status: response.status, error: answer.error ?? '', ...(answer.client_id ? { clientId: answer.client_id } : {}) };
    }

    async function stored(): Promise<number> {
      const [clients] = await h.store.query<{ n: number }>("SELECT count(*)::int AS n FROM federation_clients WHERE registration = 'dynamic'");
      const [payloads] = await h.store.query<{ n: number }>("SELECT count(*)::int AS n FROM oidc_payloads WHERE model = 'Client'");
      return clients!.n + payloads!.n;
    }

    /** The registration is refused with `status` and `error`, nothing is stored, and the refusal is audited. */
    async function refusedRegistration(body: string, token: string | undefined, status: number, error: string): Promise<void> {
      const before = await stored();
      const seq = await lastSeq(h);
      const answer = await register(body, token);
      assert.deepEqual([answer.status, answer.error], [status, error], body.slice(0, 80));
      assert.equal(await stored(), before, 'nothing stored');
      const rows = await auditedSince(h, seq);
      assert.deepEqual(
        rows.map((r) => [r.reason, r.data.error]),
        [['registration_create.error', error]],
      );
    }

    test('without an initial access token, or with a made-up one, registration is refused (401)', async () => {
      await refusedRegistration(JSON.stringify(await metadata()), undefined, 401, 'invalid_token');
      await refusedRegistration(JSON.stringify(await metadata()), 'a'.repeat(43), 401, 'invalid_token');
    });

    test('a token of an agreement that no longer allows dynamic registration is refused, and none can be minted', async () => {
      const token = await mintRegistrationToken(h.store, h.clock, 'apps-closed');
      await new AgreementService(h).save('apps-closed', agreement([], { dynamicRegistration: false }), 'admin', 'registration closed');
      await refusedRegistration(JSON.stringify(await metadata()), token, 400, 'invalid_client_metadata');
      await assert.rejects(mintRegistrationToken(h.store, h.clock, 'apps-closed'), /does not allow dynamic registration/);
      await assert.rejects(mintRegistrationToken(h.store, h.clock, 'apps-a'), /does not allow dynamic registration/);
    });

    test('public subjects, FAL3, a front channel at FAL2 and garbage are refused; a proper registration is not', async () => {
      const token = await mintRegistrationToken(h.store, h.clock, 'apps-dyn');
      await refusedRegistration(JSON.stringify(await metadata({ subject_type: 'public' })), token, 400, 'invalid_client_metadata');
      await refusedRegistration(JSON.stringify(await metadata({ fal: 'fal3' })), token, 400, 'invalid_client_metadata');
      await refusedRegistration(JSON.stringify(await metadata({ response_types: ['code', 'id_token'], grant_types: ['authorization_code', 'implicit'] })), token, 400, 'invalid_client_metadata');
      await refusedRegistration(JSON.stringify(await metadata({ response_types: ['id_token'], grant_types: ['implicit'] })), token, 400, 'invalid_client_metadata');
      await refusedRegistration(JSON.stringify(await metadata({ token_endpoint_auth_method: 'client_secret_basic' })), token, 400, 'invalid_client_metadata');
      await refusedRegistration('{"redirect_uris": ["https://dyn.example.gov/cb"', token, 400, 'invalid_request');
      await refusedRegistration('[1, 2, 3]', token, 400, 'invalid_request');
      const before = await stored();
      const good = await register(JSON.stringify(await metadata()), token);
      assert.equal(good.status, 201, good.error);
      assert.equal(await stored(), before + 2, 'the client and its agreement link');
      const [link] = await h.store.query<{ agreement_id: string }>('SELECT agreement_id FROM federation_clients WHERE client_id = $1', [good.clientId]);
      assert.equal(link?.agreement_id, 'apps-dyn');
    });
  });

  describe('tokens at UserInfo', () => {
    /** UserInfo refuses the token with `invalid_token`, and the refusal is audited. */
    async function refusedToken(token: string): Promise<void> {
      const seq = await lastSeq(h);
      const response = await fetch(`${op.issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      const rows = await auditedSince(h, seq);
      assert.deepEqual(
        rows.map((r) => [r.reason, r.data.error]),
        [['userinfo.error', 'invalid_token']],
      );
    }

    test('an access token past its lifetime is refused', async () => {
      const tokens = await exchange(await signIn('rp-a'));
      const ok = await fetch(`${op.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(ok.status, 200, 'the control: a live token is answered');
      const at = h.clock.now();
      h.clock.advance((h.config.federation.oidc.accessTokenTtlSeconds + 1) * 1000);
      try {
        await refusedToken(tokens.access_token);
      } finally {
        h.clock.set(at);
      }
    });

    test('tokens the OP did not issue are refused: a JWT signed by another key, a JWT with alg none, a made-up opaque value', async () => {
      const intruder = await rsaKeys('forged');
      const payload = { iss: op.issuer, sub: 'anyone', aud: 'rp-a', client_id: 'rp-a', scope: 'openid email', jti: crypto.randomUUID(), iat: now(), exp: now() + 300 };
      await refusedToken(await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'forged', typ: 'at+jwt' }).sign(intruder.privateKey));
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
      await refusedToken(unsigned);
      await refusedToken(client.randomState() + client.randomState());
    });
  });
});

describe('forged ID tokens at the RP library', () => {
  const CLIENT_ID = 'rp-library';
  const REDIRECT = 'http://127.0.0.1:9/callback';
  let idp: ForgingIdp;
  let rpClient: ReturnType<typeof createRpClient>;

  before(async () => {
    idp = await startForgingIdp('s-forged');
    const recorder = new MemoryRecorder();
    rpClient = createRpClient({
      issuer: idp.issuer,
      clientId: CLIENT_ID,
      redirectUri: REDIRECT,
      privateJwk: (await clientKeys()).privateJwk,
      agreements: testAgreements(idp.issuer),
      services: { accounts: new MemoryAccountStore(), sessions: new MemorySessionStore(), notifier: recorder, log: recorder },
      allowInsecureHttp: true,
    });
  });
  after(() => idp?.close());

  const seconds = () => Math.floor(Date.now() / 1000);
  const idClaims = (nonce: string, over: JWTPayload = {}): JWTPayload => ({
    iss: idp.issuer,
    sub: 's-forged',
    aud: CLIENT_ID,
    nonce,
    iat: seconds(),
    exp: seconds() + 300,
    auth_time: seconds() - 10,
    ...pivClaims(),
    ...over,
  });
  const signed = (claims: JWTPayload, header: Record<string, unknown> = {}, key: CryptoKey | Uint8Array = idp.privateKey) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'idp-1', ...header } as { alg: string }).sign(key);

  /** Runs a sign-in whose token endpoint answers with the ID token `forge` makes for the RP's nonce. */
  async function complete(forge: (nonce: string) => Promise<string> | string) {
    const { record } = await rpClient.beginSignIn();
    idp.nextIdToken = await forge(record.nonce);
    return rpClient.completeSignIn(`${REDIRECT}?code=a-code&state=${record.state}`, record);
  }

  const refused = (code: RpErrorCode, pattern?: RegExp) => (error: unknown) => isRpError(error, code) && (!pattern || pattern.test(error.message));

  test("the control: an ID token signed with the IdP's key signs in", async () => {
    const result = await complete((nonce) => signed(idClaims(nonce)));
    assert.equal(result.assertion.identifier.sub, 's-forged');
  });

  test('alg none is refused', async () => {
    const unsigned = (nonce: string) => `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(idClaims(nonce))).toString('base64url')}.`;
    await assert.rejects(complete(unsigned), refused('RP_ERR_ASSERTION'));
  });

  test("HS256 keyed with the IdP's public key is refused", async () => {
    const publicKey = createPublicKey({ key: idp.publicJwk as JsonWebKey, format: 'jwk' });
    for (const secret of [publicKey.export({ type: 'spki', format: 'pem' }), JSON.stringify(idp.publicJwk)]) {
      await assert.rejects(
        complete((nonce) => signed(idClaims(nonce), { alg: 'HS256' }, new Uint8Array(Buffer.from(secret)))),
        refused('RP_ERR_ASSERTION'),
      );
    }
  });

  test("an unknown kid, and another key under the IdP's kid, are refused", async () => {
    const other = await generateKeyPair('RS256');
    await assert.rejects(
      complete((nonce) => signed(idClaims(nonce), { kid: 'idp-2' }, other.privateKey)),
      refused('RP_ERR_ASSERTION'),
    );
    await assert.rejects(
      complete((nonce) => signed(idClaims(nonce), {}, other.privateKey)),
      refused('RP_ERR_ASSERTION'),
    );
  });

  test('an expired ID token, one not valid yet, one issued in the future and an authentication in the future are refused', async () => {
    await assert.rejects(
      complete((nonce) => signed(idClaims(nonce, { iat: seconds() - 900, exp: seconds() - 300 }))),
      refused('RP_ERR_ASSERTION', /exp/),
    );
    await assert.rejects(
      complete((nonce) => signed(idClaims(nonce, { nbf: seconds() + 600 }))),
      refused('RP_ERR_ASSERTION', /nbf/),
    );
    await assert.rejects(
      complete((nonce) => signed(idClaims(nonce, { iat: seconds() + 600, exp: seconds() + 900 }))),
      (e) => refused('RP_ERR_CLAIM_VALUE', /iat/)(e) && (e as { details: { claim?: string } }).details.claim === 'iat',
    );
    await assert.rejects(
      complete((nonce) => signed(idClaims(nonce, { auth_time: seconds() + 600 }))),
      refused('RP_ERR_CLAIM_VALUE', /auth_time/),
    );
  });

  test('an ID token for another RP, or from another issuer, is refused', async () => {
    await assert.rejects(
      complete((nonce) => signed(idClaims(nonce, { aud: 'another-rp' }))),
      refused('RP_ERR_ASSERTION', /aud/),
    );
    await assert.rejects(
      complete((nonce) => signed(idClaims(nonce, { iss: 'https://piv-idp.other-agency.example' }))),
      refused('RP_ERR_ASSERTION', /iss/),
    );
  });
});

describe('attacks on the SSF stream management API', () => {
  const clock = new ManualClock(new Date());
  let ctx: Muster;
  let server: RunningServer;
  let base: string;
  let issuer: string;
  let alpha: TestRp;
  let beta: TestRp;
  let identity: string;
  let streamId: string;
  const DISABLED = SIGNAL_EVENTS['account-disabled'];
  const ENABLED = SIGNAL_EVENTS['account-enabled'];

  before(async () => {
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { host: '127.0.0.1', port: 0 } } }), { store: await pgliteFactory.open(), clock });
    server = await serveHttp(createHttpApp(ctx), { host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${server.port}`;
    issuerBoundTo(ctx.config, server.port);
    issuer = federationIssuer(ctx.config);
    alpha = { clientId: 'rp-alpha', key: await rpKey('alpha-1') };
    beta = { clientId: 'rp-beta', key: await rpKey('beta-1') };
    await saveAgreement(ctx, 'alpha', [alpha], ['account-disabled']);
    await saveAgreement(ctx, 'beta', [beta], ['account-enabled']);
    identity = await insertIdentity(ctx.store, clock.now());
    await knownTo(ctx.store, identity, alpha.clientId, 'alpha-sub', clock.now());
    await knownTo(ctx.store, identity, beta.clientId, 'beta-sub', clock.now());
  });
  after(async () => {
    await server?.close();
    await ctx?.close();
  });

  async function call(bearer: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
  const as = (rp: TestRp) => receiverAssertion(rp, issuer, clock.now());
  const since = async (seq: number, action: string) =>
    ctx.store.query<{ reason: string; data: Record<string, any> }>('SELECT reason, data FROM audit_log WHERE seq > $1 AND action = $2 ORDER BY seq', [seq, action]);
  const lastAudit = async () => Number((await ctx.store.query<{ seq: string | null }>('SELECT MAX(seq) AS seq FROM audit_log'))[0]?.seq ?? 0);

  test("no credential, and another RP's key under this RP's name, are refused (401) and audited", async () => {
    const seq = await lastAudit();
    assert.equal((await call(null, 'GET', '/ssf/streams')).status, 401);
    const impostor = await receiverAssertion({ clientId: alpha.clientId, key: beta.key }, issuer, clock.now());
    assert.equal((await call(impostor, 'GET', '/ssf/streams')).status, 401);
    const rows = await since(seq, 'ssf.auth.refused');
    assert.deepEqual(
      rows.map((r) => r.reason),
      ['no bearer credential', 'bearer credential not accepted'],
    );
  });

  test('a push endpoint over http off loopback is refused, also behind a loopback-looking user name, in a stream or an agreement', async () => {
    for (const endpoint of [
      'http://rp-alpha.example.gov/events',
      'http://127.0.0.1.attacker.example/events',
      'http://localhost:80@attacker.example/events',
      'http://127.0.0.1:1@attacker.example/events',
    ]) {
      const answer = await call(await as(alpha), 'POST', '/ssf/streams', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: endpoint } });
      assert.equal(answer.status, 400, endpoint);
      assert.match(answer.body.error.message, /delivery\.endpoint_url/);
    }
    await assert.rejects(
      saveAgreement(ctx, 'gamma', [{ clientId: 'rp-gamma', key: alpha.key, signalEndpoint: 'http://localhost:80@attacker.example/events' }], ['account-disabled']),
      /signalEndpoint/,
    );
    const [row] = await ctx.store.query<{ n: number }>('SELECT count(*)::int AS n FROM ssf_streams');
    assert.equal(row!.n, 0, 'no stream was made');
  });

  test('events the agreement does not list are not offered, and never delivered', async () => {
    const created = await call(await as(alpha), 'POST', '/ssf/streams', { events_requested: [DISABLED, ENABLED] });
    assert.equal(created.status, 201);
    streamId = created.body.stream_id;
    assert.deepEqual(created.body.events_delivered, [DISABLED]);
    const queued = await ctx.store.transaction((tx) =>
      queueSignals(tx, { issuer, vault: ctx.keyVault, now: clock.now(), txn: 'attack' }, identity, [
        { signal: 'account-enabled', payload: {} },
        { signal: 'account-disabled', payload: {} },
      ]),
    );
    assert.deepEqual(
      queued.map((q) => `${q.clientId} ${q.signal}`),
      ['rp-alpha account-disabled', 'rp-beta account-enabled'],
    );
    const polled = await call(await as(alpha), 'POST', `/ssf/poll/${streamId}`, { returnImmediately: true });
    const events = Object.values(polled.body.sets as Record<string, string>).map((set) => Object.keys(JSON.parse(Buffer.from(set.split('.')[1]!, 'base64url').toString()).events));
    assert.deepEqual(events, [[DISABLED]]);
  });

  test("another RP's credential reaches none of this RP's stream operations, and changes nothing", async () => {
    const before = await call(await as(alpha), 'GET', `/ssf/streams?stream_id=${streamId}`);
    const seq = await lastAudit();
    const subject = { format: 'iss_sub', iss: issuer, sub: 'alpha-sub' };
    const attempts: [string, string, unknown?][] = [
      ['GET', `/ssf/streams?stream_id=${streamId}`],
      ['PATCH', '/ssf/streams', { stream_id: streamId, description: 'mine now' }],
      ['PUT', '/ssf/streams', { stream_id: streamId, delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'https://attacker.example/events' } }],
      ['GET', `/ssf/status?stream_id=${streamId}`],
      ['POST', '/ssf/status', { stream_id: streamId, status: 'disabled' }],
      ['POST', '/ssf/verify', { stream_id: streamId }],
      ['POST', '/ssf/subjects/remove', { stream_id: streamId, subject }],
      ['POST', `/ssf/poll/${streamId}`, { returnImmediately: true }],
      ['DELETE', `/ssf/streams?stream_id=${streamId}`],
    ];
    for (const [method, path, body] of attempts) assert.equal((await call(await as(beta), method, path, body)).status, 404, `${method} ${path}`);
    assert.deepEqual(await call(await as(alpha), 'GET', `/ssf/streams?stream_id=${streamId}`), before, 'the stream is as it was');
    assert.equal((await call(await as(alpha), 'GET', `/ssf/status?stream_id=${streamId}`)).body.status, 'enabled');
    const changes = await ctx.store.query<{ action: string }>("SELECT action FROM audit_log WHERE seq > $1 AND action LIKE 'ssf.stream.%' OR seq > $1 AND action LIKE 'ssf.subject.%'", [seq]);
    assert.deepEqual(changes, [], 'nothing was changed on the stream');
  });
});

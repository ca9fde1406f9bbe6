// The authorization endpoint of muster's OP over HTTP, on both stores: its metadata at the RFC 8414 path; a
// form-encoded POST (OpenID Connect Core §3.1.2.1) signs in like a GET, with openid-client exchanging the code;
// parameters carrying a NUL character are refused as invalid_request, audited, with nothing of the bad value stored
// beyond a bounded, cleaned excerpt.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import * as client from 'openid-client';
import { AgreementService } from '../../src/federation/agreements.ts';
import { identityByKey } from '../../src/lifecycle/test-fixtures.ts';
import { createLogger } from '../../src/runtime/log.ts';
import { logOidcServerError, logRawRequests } from '../../src/http/request-log.ts';
import { browse, startTestOp, testCredential, type TestOp } from '../../src/protocols/oidc/test-support.ts';
import { hrCsv, hrLine, useHarness } from '../support/muster.ts';
import { describeEachStore } from '../support/stores.ts';

const CLIENT = 'rp-post';
const REDIRECT = `http://127.0.0.1/${CLIENT}/cb`;
const MIXED = 'rp-mixed';
const MIXED_REDIRECTS = [`http://127.0.0.1/${MIXED}/cb`, `https://${MIXED}.example/cb`];

describeEachStore('the authorization endpoint: POST and bad bytes', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let op: TestOp;
  let key: { privateKey: CryptoKey; jwk: JWK };
  let identityId = '';
  let credentialId = '';
  const logLines: string[] = [];
  const log = createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(line) } });
  const logged = () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>);

  before(async () => {
    h.clock.set(new Date());
    op = await startTestOp(h, { wrap: (listener) => logRawRequests(log, listener), onServerError: logOidcServerError(log) });
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: `${CLIENT}-key`, alg: 'RS256', use: 'sig' } };
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr.csv', hrCsv([hrLine('E1')])), actor: 'hr.admin' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    identityId = (await identityByKey(h.store, 'employee_id', 'E1')).id;
    credentialId = await testCredential(h, identityId);
    await new AgreementService(h).save(
      'apps-post',
      {
        name: 'POST tests',
        population: { agencyCodes: ['9700'] },
        idp: { issuer: op.issuer, home: true },
        relyingParties: [
          { clientId: CLIENT, name: CLIENT, redirectUris: [REDIRECT], jwks: { keys: [key.jwk] }, fal: 'fal2' },
          { clientId: MIXED, name: MIXED, redirectUris: MIXED_REDIRECTS, jwks: { keys: [key.jwk] }, fal: 'fal2' },
        ],
        attributes: [{ name: 'email', purpose: 'contact' }],
        assurance: { fal: { min: 'fal1', max: 'fal3' } },
      },
      'admin',
      'test',
    );
  });

  after(async () => {
    await op?.close();
  });

  const rp = () => client.discovery(new URL(op.issuer), CLIENT, {}, client.PrivateKeyJwt(key.privateKey), { execute: [client.allowInsecureRequests] });

  const codeRequest = (over: Record<string, string> = {}) => ({
    client_id: CLIENT,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: REDIRECT,
    state: 'state-0123456789abcdefghij',
    nonce: 'nonce-0123456789abcdefghij',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUSMBJ8kM',
    code_challenge_method: 'S256',
    ...over,
  });

  const post = (body: string) => fetch(`${op.issuer}/auth`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const get = (query: string) => fetch(`${op.issuer}/auth?${query}`, { redirect: 'manual' });
  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

  async function lastSeq(): Promise<number> {
    const [row] = await h.store.query<{ seq: string | null }>('SELECT MAX(seq) AS seq FROM audit_log');
    return Number(row?.seq ?? 0);
  }

  const refusedSince = (seq: number) =>
    h.store.query<{ actor: string; target: string; reason: string; data: Record<string, unknown> }>(
      "SELECT actor, target, reason, data FROM audit_log WHERE seq > $1 AND action = 'oidc.refused' ORDER BY seq",
      [seq],
    );

  test('the authorization server metadata answers at its RFC 8414 path, naming the issuer and the authorization endpoint', async () => {
    const issuer = new URL(op.issuer);
    const answer = await fetch(`${issuer.origin}/.well-known/oauth-authorization-server${issuer.pathname}`);
    assert.equal(answer.status, 200);
    const metadata = (await answer.json()) as { issuer: string; authorization_endpoint: string };
    assert.equal(metadata.issuer, op.issuer);
    assert.equal(metadata.authorization_endpoint, `${op.issuer}/auth`);
  });

  test('a form-encoded POST to the authorization endpoint signs in like a GET: a code, exchanged for tokens', async () => {
    const config = await rp();
    const verifier = client.randomPKCECodeVerifier();
    const params = codeRequest({ code_challenge: await client.calculatePKCECodeChallenge(verifier) });
    op.next = { identityId, credentialId };
    const answer = await post(form(params));
    assert.ok([302, 303].includes(answer.status), `${answer.status} ${await answer.text()}`);
    const jar = new Map<string, string>();
    const callback = await browse(new URL(answer.headers.get('location') as string, op.issuer), (u) => u.href.startsWith(REDIRECT), jar);
    assert.ok(callback.searchParams.get('code'), callback.href);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: params.nonce, expectedState: params.state });
    assert.equal(tokens.claims()?.aud, CLIENT);
  });

  test('a client with both a loopback http and an https redirect URI signs in at either, never a server error', async () => {
    for (const redirect of MIXED_REDIRECTS) {
      op.next = { identityId, credentialId };
      const start = new URL(`${op.issuer}/auth?${form(codeRequest({ client_id: MIXED, redirect_uri: redirect }))}`);
      const callback = await browse(start, (u) => u.href.startsWith(redirect));
      assert.ok(callback.searchParams.get('code'), callback.href);
    }
  });

  test('an OIDC refusal is in the request log with its protocol error and audited with its cause', async () => {
    const seq = await lastSeq();
    logLines.length = 0;
    const answer = await get(form(codeRequest({ redirect_uri: 'https://elsewhere.example/cb' })));
    assert.equal(answer.status, 400);
    const rows = await refusedSince(seq);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0]?.data.error, 'invalid_redirect_uri');
    assert.match(String(rows[0]?.data.description), /redirect_uri/);
    const line = logged().find((l) => l.msg === 'request' && l.path === '/oidc/auth');
    assert.equal(line?.status, 400, JSON.stringify(logged()));
    assert.deepEqual((line?.oidcError as { error?: string })?.error, 'invalid_redirect_uri');
  });

  test('a server error is logged with its stack (not in the response), in the request log as a 500, and audited with its cause', async () => {
    const seq = await lastSeq();
    logLines.length = 0;
    const Client = op.provider.Client as unknown as { find: (id: string) => Promise<unknown> };
    const find = Client.find;
    Client.find = async () => {
      throw new Error('the client store failed: secret internals');
    };
    try {
      const answer = await fetch(`${op.issuer}/auth?${form(codeRequest())}`, { redirect: 'manual', headers: { accept: 'application/json' } });
      assert.equal(answer.status, 500);
      const body = await answer.text();
      assert.match(body, /server_error/);
      assert.doesNotMatch(body, /secret internals|at /);
    } finally {
      Client.find = find;
    }
    const failed = logged().find((l) => l.msg === 'openid provider request failed');
    assert.match(String((failed?.error as { stack?: string })?.stack), /secret internals[\s\S]*at /);
    const line = logged().find((l) => l.msg === 'request' && l.path === '/oidc/auth');
    assert.equal(line?.status, 500);
    assert.equal(line?.level, 'error');
    const rows = await refusedSince(seq);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0]?.data.error, 'server_error');
    assert.match(String(rows[0]?.data.description), /the client store failed/);
  });

  test('a POST that is not form-encoded, or larger than 8 KiB, is refused as invalid_request, and audited', async () => {
    const seq = await lastSeq();
    const answer = await fetch(`${op.issuer}/auth`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json' }, body: JSON.stringify(codeRequest()) });
    assert.equal(answer.status, 400);
    assert.match(await answer.text(), /invalid_request/);
    assert.deepEqual(
      (await refusedSince(seq)).map((r) => r.data.error),
      ['invalid_request'],
    );
    const large = await post(form(codeRequest({ state: 's'.repeat(9000) })));
    assert.equal(large.status, 413, 'a POSTed request larger than 8 KiB is refused, and answered');
    assert.match(await large.text(), /invalid_request/);
  });

  test('a NUL character in a parameter, in the query or in a POSTed form, is invalid_request (400), audited once, the bad value bounded and cleaned', async () => {
    const cases = [
      () => get(form(codeRequest({ state: 'a\u0000b' }))),
      () => get(form(codeRequest({ client_id: `${CLIENT}\u0000${'x'.repeat(5000)}` }))),
      () => post(form(codeRequest({ nonce: `n\u0000${'y'.repeat(5000)}` }))),
      () => get(`${form(codeRequest())}&scope%00=openid`),
    ];
    for (const [i, send] of cases.entries()) {
      const seq = await lastSeq();
      const answer = await send();
      const body = await answer.text();
      assert.equal(answer.status, 400, `case ${i}: ${body}`);
      assert.match(body, /invalid_request/, `case ${i}`);
      assert.equal(answer.headers.get('location'), null, `case ${i}: nothing is sent to the redirect URI`);
      const rows = await refusedSince(seq);
      assert.equal(rows.length, 1, `case ${i}: ${JSON.stringify(rows)}`);
      const row = rows[0]!;
      assert.equal(row.data.error, 'invalid_request', `case ${i}`);
      const stored = JSON.stringify(row);
      assert.ok(stored.length < 2000, `case ${i}: the audit entry is bounded (${stored.length} characters)`);
      assert.ok(!stored.includes('\\u0000'), `case ${i}: no NUL is stored`);
    }
  });

  test('a NUL character in a form POSTed to the token endpoint is invalid_request too, never a server error', async () => {
    const seq = await lastSeq();
    const answer = await fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'authorization_code', code: 'c\u0000', client_id: `${CLIENT}\u0000`, redirect_uri: REDIRECT }),
    });
    const body = await answer.text();
    assert.ok(answer.status === 400 || answer.status === 401, `${answer.status} ${body}`);
    assert.match(body, /invalid_request|invalid_client/);
    const rows = await refusedSince(seq);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.ok(!JSON.stringify(rows).includes('\\u0000'), 'no NUL is stored');
  });
});

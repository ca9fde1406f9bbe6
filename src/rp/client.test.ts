// The client alone against a bare oidc-provider: FAL3 holder-of-key and bound authenticator,
// OpenID Connect refusals, stale sign-ins and discovery failures.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MemoryAccountStore } from './accounts.ts';
import { createRpClient, type RpClientOptions } from './client.ts';
import { isRpError, type RpErrorCode } from './errors.ts';
import { tlsFetch } from './fetch.ts';
import { MemoryRecorder } from './notices.ts';
import { MemorySessionStore } from './sessions.ts';
import { TestBrowser } from './test-browser.ts';
import { clientKeys, clientMetadata, FAL3_AGENCY, pivClaims, testAgreements, type ClientKeys } from './test-fixtures.ts';
import { startTestIdp, type TestIdp } from './test-idp.ts';
import { certificateThumbprint } from './thumbprint.ts';

const CLIENT_ID = 'library-rp';
const REDIRECT = 'http://127.0.0.1:9/callback';
const SEEN_CERTIFICATE = new Uint8Array([48, 130, 1, 10, 1, 2, 3]);
let idp: TestIdp;
let keys: ClientKeys;

before(async () => {
  idp = await startTestIdp();
  keys = await clientKeys();
  idp.register([clientMetadata(CLIENT_ID, REDIRECT, keys)]);
  const fal3 = { piv_home_agency: FAL3_AGENCY, fal: 'fal3', aal: 'aal3' };
  idp.people.set('hok', { idToken: pivClaims({ ...fal3, cnf: { 'x5t#S256': certificateThumbprint(SEEN_CERTIFICATE) } }), userinfo: { name: 'Holder Of Key' } });
  idp.people.set('bound', { idToken: pivClaims({ ...fal3, bound_authn_required: true }), userinfo: { name: 'Bound Authenticator' } });
  idp.people.set('plain', { idToken: pivClaims(), userinfo: { name: 'Plain' } });
});
after(() => idp.close());

function client(overrides: Partial<RpClientOptions> = {}) {
  const recorder = new MemoryRecorder();
  return createRpClient({
    issuer: idp.issuer,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT,
    privateJwk: keys.privateJwk,
    agreements: testAgreements(idp.issuer),
    services: { accounts: new MemoryAccountStore(), sessions: new MemorySessionStore(), notifier: recorder, log: recorder },
    allowInsecureHttp: true,
    fetch: tlsFetch(),
    ...overrides,
  });
}

/** Runs the front channel as `sub` and returns the callback URL the IdP redirected to. */
async function authorize(rp: ReturnType<typeof client>, sub: string) {
  idp.nextLogin = { accountId: sub };
  const { url, record } = await rp.beginSignIn();
  const stop = await new TestBrowser().open(url.href, REDIRECT);
  assert.ok(stop.url.startsWith(REDIRECT), `the IdP redirected to ${stop.url}`);
  return { callback: stop.url, record };
}

function refused(code: RpErrorCode) {
  return (error: unknown) => isRpError(error, code);
}

test('FAL3 holder-of-key: accepted when cnf matches the certificate seen over mutual TLS, refused otherwise', async () => {
  const rp = client();
  const ok = await authorize(rp, 'hok');
  const result = await rp.completeSignIn(ok.callback, ok.record, { clientCertificate: SEEN_CERTIFICATE });
  assert.equal(result.assertion.fal, 'fal3');
  assert.equal(result.assertion.certificateThumbprint, certificateThumbprint(SEEN_CERTIFICATE));
  const mismatch = await authorize(rp, 'hok');
  await assert.rejects(rp.completeSignIn(mismatch.callback, mismatch.record, { clientCertificate: new Uint8Array([1, 2, 3]) }), refused('RP_ERR_HOLDER_OF_KEY'));
  const none = await authorize(rp, 'hok');
  await assert.rejects(rp.completeSignIn(none.callback, none.record), refused('RP_ERR_HOLDER_OF_KEY'));
});

test('FAL3 with bound_authn_required runs the RP bound authenticator check, and refuses without one', async () => {
  const seen: unknown[] = [];
  const withCheck = client({ boundAuthenticator: ({ assertion, proof }) => (seen.push([assertion.identifier.sub, proof]), proof === 'webauthn-ok') });
  const good = await authorize(withCheck, 'bound');
  assert.equal((await withCheck.completeSignIn(good.callback, good.record, { boundAuthenticatorProof: 'webauthn-ok' })).account.state, 'active');
  const bad = await authorize(withCheck, 'bound');
  await assert.rejects(withCheck.completeSignIn(bad.callback, bad.record, { boundAuthenticatorProof: 'nope' }), refused('RP_ERR_BOUND_AUTHENTICATOR'));
  assert.deepEqual(seen, [
    ['bound', 'webauthn-ok'],
    ['bound', 'nope'],
  ]);
  const without = client();
  const flow = await authorize(without, 'bound');
  await assert.rejects(without.completeSignIn(flow.callback, flow.record), refused('RP_ERR_BOUND_AUTHENTICATOR'));
});

test('a callback with another sign-in state, a replayed code or a stale sign-in is refused', async () => {
  const rp = client();
  const first = await authorize(rp, 'plain');
  const second = await authorize(rp, 'plain');
  await assert.rejects(rp.completeSignIn(first.callback, second.record), refused('RP_ERR_ASSERTION'));
  await rp.completeSignIn(second.callback, second.record);
  await assert.rejects(rp.completeSignIn(second.callback, second.record), refused('RP_ERR_ASSERTION'), 'a code is single use');
  let now = Date.now();
  const late = client({ now: () => now });
  const flow = await authorize(late, 'plain');
  now += 601_000;
  await assert.rejects(late.completeSignIn(flow.callback, flow.record), refused('RP_ERR_STATE'));
});

test('the IdP refuses a client authenticating with a key it does not know', async () => {
  const other = await clientKeys();
  const rp = client({ privateJwk: other.privateJwk });
  const flow = await authorize(rp, 'plain');
  await assert.rejects(rp.completeSignIn(flow.callback, flow.record), refused('RP_ERR_ASSERTION'));
});

test('misconfiguration and an unreachable IdP are named', async () => {
  assert.throws(() => client({ issuer: 'https://not-in-any-agreement.example' }), refused('RP_ERR_CONFIG'));
  await assert.rejects(client({ privateJwk: keys.publicJwk }).beginSignIn(), refused('RP_ERR_CONFIG'));
  await assert.rejects(client({ allowInsecureHttp: false }).beginSignIn(), refused('RP_ERR_DISCOVERY'));
});

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import Provider from 'oidc-provider';
import { useHarness } from '../../../../test/support/muster.ts';
import { describeEachStore } from '../../../../test/support/stores.ts';
import { TestAuthenticator } from '../../../credentials/derived/webauthn/test-authenticator.ts';
import { signChallenge } from '../../../credentials/test-fixtures.ts';
import type { CaMaterial } from '../../../pki/store/ca-store.ts';
import { signInPages } from '../../../http/sign-in/index.ts';
import { oidcListener } from '../listener.ts';
import { BY, CLIENT_ID, signInWorld, type SignInWorld } from './test-fixtures.ts';

const CALLBACK = 'https://benefits.example.gov/callback';

/** A browser without JavaScript: keeps cookies, follows nothing by itself. */
function browser(origin: string) {
  const jar = new Map<string, string>();
  return async (url: string, init: RequestInit = {}): Promise<Response> => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url.startsWith('http') ? url : `${origin}${url}`, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), cookie } });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    return res;
  };
}

describeEachStore('the interactions mounted in oidc-provider: sign-in, consent, reuse and reauthentication', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let world: SignInWorld;
  let server: Server;
  let origin = '';
  const key = new TestAuthenticator('11111111-2222-3333-4444-555555555555');
  const authorize = (state: string) => `/oidc/auth?client_id=${CLIENT_ID}&response_type=code&scope=openid%20email&redirect_uri=${encodeURIComponent(CALLBACK)}&state=${state}&nonce=n-${state}`;

  before(async () => {
    h.clock.set(new Date());
    world = await signInWorld(h);
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(server.address() as { port: number }).port}`;
    const start = await world.derived.start(world.ids.E1, BY);
    const registration = key.register({ rpId: 'localhost', origin: 'http://localhost:8080', challenge: start.challenge });
    await world.derived.bindFido2(
      { identityId: world.ids.E1, challengeId: start.challengeId, pivCertificate: world.card.E1.card.certificates[0]!.pem, signature: signChallenge(world.card.E1.key, start.challenge), registration },
      BY,
    );
    const issuer = `${origin}/oidc`;
    const interactions = signInPages({ store: h.store, clock: h.clock, audit: h.audit, config: h.config, issuer, ca: async () => world.ca as CaMaterial });
    const provider = new Provider(issuer, {
      clients: [{ client_id: CLIENT_ID, client_secret: 'a-client-secret-long-enough-for-hs256', redirect_uris: [CALLBACK] }],
      interactions: { policy: interactions.policy, url: interactions.url },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
      cookies: { keys: ['interaction-test-cookie-key'] },
      features: { devInteractions: { enabled: false } },
    });
    const listener = oidcListener({ issuer, provider: () => provider, interactions, mtlsOrigin: () => 'https://localhost:1' });
    server.on('request', (req, res) => {
      if (!listener(req, res)) res.writeHead(404).end();
    });
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("FIDO2 sign-in, then consent, then a code; the session is reused until idle past its AAL's limit", async () => {
    const go = browser(origin);
    const interaction = (await go(authorize('s1'))).headers.get('location') as string;
    assert.match(interaction, /^\/oidc\/interaction\/[A-Za-z0-9_-]+$/);
    const page = await go(interaction);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const html = await page.text();
    assert.ok(html.includes('Benefits Portal') && html.includes('to send you notices about your benefits') && html.includes('https://localhost:1/oidc/interaction/'));
    assert.doesNotMatch(html, /<script>|onclick=/);

    const options = (await (await go(`${interaction}/webauthn/options`)).json()) as { challenge: string };
    const assertion = key.login({ rpId: 'localhost', origin, challenge: options.challenge, counter: 1 });
    const signedIn = await go(`${interaction}/webauthn`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify(assertion) });
    assert.equal(signedIn.status, 200);
    const consent = (await go(((await signedIn.json()) as { location: string }).location)).headers.get('location') as string;
    assert.ok((await (await go(consent)).text()).includes('Allow this service'));
    const granted = await go(`${consent}/consent`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: 'decision=accept' });
    assert.match((await go(granted.headers.get('location') as string)).headers.get('location') ?? '', /^https:\/\/benefits\.example\.gov\/callback\?code=/);

    const [login] = await h.store.query<{ aal: string; credential_type: string; identity_id: string }>('SELECT aal, credential_type, identity_id::text AS identity_id FROM oidc_logins');
    assert.deepEqual(login, { aal: 'aal2', credential_type: 'derived_non_pki', identity_id: world.ids.E1 });
    const audit = await h.store.query<{ action: string }>("SELECT action FROM audit_log WHERE action LIKE 'oidc.%' ORDER BY seq");
    assert.deepEqual(
      audit.map((a) => a.action),
      ['oidc.sign-in', 'oidc.consent'],
    );

    assert.match((await go(authorize('s2'))).headers.get('location') ?? '', /callback\?code=/, 'reused without a prompt');
    h.clock.advance(61 * 60_000);
    assert.match((await go(authorize('s3'))).headers.get('location') ?? '', /^\/oidc\/interaction\//, 'idle past an hour at AAL2: sign in again');
  });

  test('a replayed WebAuthn response and a certificate request off the mutual-TLS listener are refused and audited', async () => {
    const go = browser(origin);
    const interaction = (await go(authorize('s4'))).headers.get('location') as string;
    const options = (await (await go(`${interaction}/webauthn/options`)).json()) as { challenge: string };
    const body = JSON.stringify(key.login({ rpId: 'localhost', origin, challenge: options.challenge, counter: 2 }));
    const post = () => go(`${interaction}/webauthn`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body });
    assert.equal((await post()).status, 200);
    const replay = await post();
    assert.deepEqual([replay.status, ((await replay.json()) as { reason: string }).reason], [403, 'webauthn-replayed']);
    const piv = await go(`${interaction}/piv`);
    assert.equal(piv.status, 401);
    const refused = await h.store.query<{ data: { reason: string } }>("SELECT data FROM audit_log WHERE action = 'oidc.sign-in.refused' ORDER BY seq");
    assert.deepEqual(
      refused.map((r) => r.data.reason),
      ['webauthn-replayed', 'no-certificate'],
    );
  });
});

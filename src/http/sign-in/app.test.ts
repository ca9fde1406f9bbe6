import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import Provider from 'oidc-provider';
import { useHarness } from '../../../test/support/muster.ts';
import { pgliteFactory } from '../../../test/support/stores.ts';
import type { CaMaterial } from '../../pki/store/ca-store.ts';
import { oidcListener } from '../../protocols/oidc/listener.ts';
import { CLIENT_ID, agreementDocument, signInWorld } from '../../protocols/oidc/interactions/test-fixtures.ts';
import { signInPages } from './index.ts';
import { renderPage } from './pages.ts';

const CALLBACK = 'https://benefits.example.gov/callback';
const HOSTILE = '<script>alert("x")</script> & \'Co\'';
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

test('every value on a page is escaped, in text and in attributes', async () => {
  const rp = { name: HOSTILE, agreementName: `"${HOSTILE}`, attributes: [{ name: '<b>', purpose: HOSTILE }], requiredAal: 'aal3' as const };
  const pages = [
    renderPage('/oidc/interaction', {
      name: 'login',
      rp,
      pivUrl: `https://x/"><script>1</script>`,
      webauthnOptionsUrl: `"'><img src=x onerror=alert(1)>`,
      webauthnUrl: '/w',
      abortUrl: '/a',
      notice: HOSTILE,
    }),
    renderPage('/oidc/interaction', { name: 'consent', rp, action: `/c"><script>2</script>`, changed: true }),
    renderPage('/oidc/interaction', { name: 'refusal', message: HOSTILE, retryUrl: `/r" onclick="alert(3)` }),
  ];
  for (const page of await Promise.all(pages)) {
    const text = String(page);
    assert.doesNotMatch(text, /<script>|<img|<b>|onclick="|onerror=alert\(1\)>/, text);
    assert.match(text, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &#39;Co&#39;/);
  }
  assert.match(String(await pages[0]), /<script src="\/oidc\/interaction\/sign-in\.js" defer><\/script>/, "the one script, from the pages' own path");
});

describe('the sign-in pages as a Hono app: headers, the CSRF guard, the body limit', () => {
  const h = useHarness(pgliteFactory, { import: { massChangeShare: 1 } });
  let server: Server;
  let origin = '';
  let issuer = '';
  const jar = new Map<string, string>();
  const go = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(path.startsWith('http') ? path : `${origin}${path}`, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), cookie } });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    return res;
  };
  const start = async (clientId = CLIENT_ID): Promise<string> => {
    const answer = await go(`/a/b/op/auth?client_id=${clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s&nonce=n`);
    return answer.headers.get('location') as string;
  };
  const refusals = async () =>
    await h.store.query<{ data: { reason: string; interaction: string }; reason: string }>("SELECT data, reason FROM audit_log WHERE action = 'oidc.sign-in.refused' ORDER BY seq");

  before(async () => {
    h.clock.set(new Date());
    const world = await signInWorld(h);
    await world.agreements.save(
      'hostile',
      agreementDocument({ name: HOSTILE, relyingParties: [{ clientId: 'hostile-portal', name: HOSTILE, redirectUris: [CALLBACK], jwksUri: 'https://benefits.example.gov/jwks' }] }),
      'alice',
      'a hostile name',
    );
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(server.address() as { port: number }).port}`;
    issuer = `${origin}/a/b/op`;
    const pages = signInPages({ store: h.store, clock: h.clock, audit: h.audit, config: h.config, issuer, ca: async () => world.ca as CaMaterial });
    const secret = 'a-client-secret-long-enough-for-hs256';
    const provider = new Provider(issuer, {
      clients: [CLIENT_ID, 'hostile-portal'].map((client_id) => ({ client_id, client_secret: secret, redirect_uris: [CALLBACK] })),
      interactions: { policy: pages.policy!, url: pages.url },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
      cookies: { keys: ['sign-in-app-test-cookie-key'] },
      features: { devInteractions: { enabled: false } },
    });
    const listener = oidcListener({ issuer, provider: () => provider, interactions: pages, mtlsOrigin: () => 'https://localhost:1' });
    server.on('request', (req, res) => {
      if (!listener(req, res)) res.writeHead(404).end();
    });
  });
  after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  test("the login page, under the issuer's path, with the CSP, no framing, nosniff, and nothing cached", async () => {
    const interaction = await start();
    assert.match(interaction, /^\/a\/b\/op\/interaction\/[A-Za-z0-9_-]+$/);
    const page = await go(interaction);
    assert.equal(page.status, 200);
    const headers = Object.fromEntries(
      ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'referrer-policy', 'cache-control', 'content-type'].map((n) => [n, page.headers.get(n)]),
    );
    assert.deepEqual(headers, {
      'content-security-policy': CSP,
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'cache-control': 'no-store',
      'content-type': 'text/html; charset=UTF-8',
    });
    const html = await page.text();
    assert.ok(html.includes(`href="https://localhost:1${interaction}/piv"`) && html.includes(`action="${interaction}/abort"`) && html.includes('href="/a/b/op/interaction/sign-in.css"'));
    const script = await go('/a/b/op/interaction/sign-in.js');
    assert.deepEqual([script.status, script.headers.get('content-type'), script.headers.get('cache-control')], [200, 'text/javascript; charset=utf-8', 'public, max-age=3600']);
    const missing = await go('/a/b/op/interaction/no/such/page');
    assert.deepEqual([missing.status, missing.headers.get('content-security-policy')], [404, CSP]);
  });

  test("a relying party's hostile name is shown escaped", async () => {
    const html = await (await go(await start('hostile-portal'))).text();
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;'));
    assert.doesNotMatch(html, /<script>alert/);
  });

  test('a form POSTed from another site, or saying nothing of where it comes from, is refused 403 and audited', async () => {
    const interaction = await start();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const before = (await refusals()).length;
    const foreign = await go(`${interaction}/abort`, { method: 'POST', headers: { ...form, origin: 'https://evil.example' }, body: '' });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers.get('content-security-policy'), CSP);
    assert.match(await foreign.text(), /the request came from another site/);
    assert.equal((await go(`${interaction}/abort`, { method: 'POST', headers: form, body: '' })).status, 403);
    const audited = (await refusals()).slice(before);
    assert.deepEqual(
      audited.map((r) => [r.data.reason, r.data.interaction]),
      [
        ['bad-request', interaction.split('/').at(-1)],
        ['bad-request', interaction.split('/').at(-1)],
      ],
    );
    assert.match(audited[0]!.reason, /another site/);
    const cancelled = await go(`${interaction}/abort`, { method: 'POST', headers: { ...form, origin }, body: '' });
    assert.equal(cancelled.status, 303, "from the issuer's own origin the form is taken");
  });

  test('a body over 64 KiB is refused 413 and audited, as a page or as JSON', async () => {
    const interaction = await start();
    const before = (await refusals()).length;
    const large = 'decision=accept&pad='.padEnd(65 * 1024, 'x');
    const page = await go(`${interaction}/consent`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: large });
    assert.equal(page.status, 413);
    assert.match(await page.text(), /the request is too large/);
    const json = await go(`${interaction}/webauthn`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ pad: large }) });
    assert.equal(json.status, 413);
    assert.deepEqual(await json.json(), { error: 'invalid_request', error_description: 'the request is too large', reason: 'bad-request' });
    assert.deepEqual(
      (await refusals()).slice(before).map((r) => r.data.reason),
      ['bad-request', 'bad-request'],
    );
  });
});

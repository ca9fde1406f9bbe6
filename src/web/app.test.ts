import { ASSET_CACHE, assetUrl } from './layout/assets.ts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { generateSigningKeyPem, signerFromPem } from '../audit/checkpoint.ts';
import { listAuditEntries } from '../audit/queries.ts';
import { AuditWriter } from '../audit/writer.ts';
import { ManualClock } from '../core/clock.ts';
import { ConsoleSessions } from '../operators/console-sessions.ts';
import { testOperator } from '../operators/test-operators.ts';
import type { Store } from '../store/store.ts';
import { pgliteFactory } from '../../test/support/stores.ts';
import { consoleApp } from './app.ts';
import { consoleSetupOf } from './test-fixtures.ts';
import { operatorOf } from './env.ts';
import { consoleRoute } from './route.ts';

const ORIGIN = 'http://localhost:8080';
const RECORD = { issuer: `${ORIGIN}/oidc`, state: 's', nonce: 'n', codeVerifier: 'v', maxAge: 60, createdAt: 0 };

describe('console route guard', () => {
  let store: Store;
  let sessions: ConsoleSessions;
  let parent: Hono;
  let ready = true;
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const audit = new AuditWriter({ clock, signer: signerFromPem(generateSigningKeyPem()), checkpointInterval: 100 });
  const writes: string[] = [];

  const write = consoleRoute({
    method: 'post',
    path: '/console/test-write',
    roles: ['security-officer'],
    handler: async (c) => {
      const operator = operatorOf(c);
      await store.transaction((tx) => audit.append(tx, [{ actor: operator.actor, action: 'test.written', target: 'x' }], 'corr-write'));
      writes.push(operator.actor);
      return c.text('written');
    },
  });

  before(async () => {
    store = await pgliteFactory.open();
    sessions = new ConsoleSessions({ store, audit, clock });
    const setup = consoleSetupOf(sessions, { privateJwk: { kid: 'k', alg: 'ES256' }, fetch: () => Promise.reject(new Error('no OP in this test')) });
    const app = consoleApp({ setup: () => (ready ? setup : undefined), store, clock, agencyCode: '9700', extraRoutes: [write] });
    // mounted as the HTTP app mounts it; a page added beside the console without consoleRoute
    parent = new Hono().route('/', app);
    parent.get('/console/unguarded', (c) => c.text('should never answer'));
  });
  after(() => store.close());

  async function sessionOf(roles: readonly string[]): Promise<{ cookie: string; sessionId: string; identityId: string }> {
    const identityId = (await testOperator({ store, audit, clock }, roles)).identityId;
    const opened = await sessions.open(await sessions.beginSignIn(RECORD), { identityId, authTime: clock.now(), acr: 'acr', idToken: 't' }, randomUUID());
    if (!opened.ok) throw new Error(opened.reason);
    return { cookie: `__Host-muster-console=${opened.secret}`, sessionId: opened.operator.sessionId, identityId };
  }

  const get = (path: string, cookie?: string) => parent.request(path, { headers: cookie ? { cookie } : {} });
  const post = (path: string, cookie: string, origin = ORIGIN) => parent.request(path, { method: 'POST', headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });

  it('sends a browser without a session to sign in, and refuses a POST 401', async () => {
    const answer = await get('/console');
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), '/console/sign-in');
    assert.equal((await post('/console/test-write', '__Host-muster-console=nothing')).status, 401);
    assert.deepEqual(writes, []);
  });

  it("shows an operator their roles in the shell, under a CSP that allows only muster's own files, never cached", async () => {
    const officer = await sessionOf(['security-officer', 'auditor']);
    const answer = await get('/console/holds', officer.cookie);
    assert.equal(answer.status, 200);
    const body = await answer.text();
    assert.match(body, /<ul [^>]*id="operator-roles"[^>]*><li [^>]*>auditor<\/li><li [^>]*>security-officer<\/li><\/ul>/);
    assert.ok(body.includes(officer.identityId));
    assert.doesNotMatch(body, /style=|<style/);
    for (const script of body.match(/<script[^>]*>/g) ?? []) assert.match(script, /^<script src="\/console\/assets\/(uswds|htmx)\/[^"]+">$/, `${script} is a file of muster's own`);
    assert.doesNotMatch(body, /<script>/);
    const csp = answer.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe/);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
  });

  it('serves the USWDS and htmx files of the installed packages, a year cached, and nothing outside them', async () => {
    const css = await get(assetUrl('uswds', 'css/uswds.min.css'));
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(css.headers.get('cache-control'), ASSET_CACHE);
    assert.match(await css.text(), /usa-header/);
    const htmx = await get(assetUrl('htmx', 'htmx.min.js'));
    assert.equal(htmx.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const font = await get(assetUrl('uswds', 'fonts/public-sans/PublicSans-Regular.woff2'));
    assert.equal(font.headers.get('content-type'), 'font/woff2');
    for (const path of [
      assetUrl('uswds', '../package.json'),
      assetUrl('uswds', '%2e%2e/%2e%2e/%2e%2e/package.json'),
      assetUrl('uswds', 'scss/_uswds-theme.scss'),
      '/console/assets/uswds/0.0.1/css/uswds.min.css',
      '/console/assets/hono/1/index.js',
    ]) {
      const answer = await get(path);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.headers.get('cache-control'), 'no-store', path);
    }
  });

  it('refuses 403 an operator without the role a page names, audited with the session', async () => {
    const issuer = await sessionOf(['issuer']);
    const answer = await get('/console/holds', issuer.cookie);
    assert.equal(answer.status, 403);
    const [entry] = (await listAuditEntries(store, { action: 'console.forbidden' })).filter((e) => e.actor === `operator:${issuer.identityId}`);
    assert.equal(entry?.data?.session_id, issuer.sessionId);
    assert.deepEqual(entry?.data?.needed, ['security-officer', 'helpdesk', 'auditor']);
    const helpdesk = await sessionOf(['helpdesk']);
    assert.equal((await get('/console/holds', helpdesk.cookie)).status, 200);
  });

  it('refuses every page not defined with consoleRoute, whoever asks', async () => {
    const officer = await sessionOf(['security-officer', 'auditor', 'operator-admin']);
    const answer = await get('/console/unguarded', officer.cookie);
    assert.equal(answer.status, 403);
    assert.doesNotMatch(await answer.text(), /should never answer/);
  });

  it('audits what a page writes as the operator, naming the session and never the cookie', async () => {
    const officer = await sessionOf(['security-officer']);
    assert.equal((await post('/console/test-write', officer.cookie)).status, 200);
    const [entry] = await listAuditEntries(store, { correlationId: 'corr-write' });
    assert.equal(entry?.actor, `operator:${officer.identityId}`);
    assert.equal(entry?.data?.session_id, officer.sessionId);
    assert.ok(!JSON.stringify(entry).includes(officer.cookie.split('=')[1] as string));
  });

  it('refuses a POST from another site (CSRF), before the page runs', async () => {
    const officer = await sessionOf(['security-officer']);
    const before = writes.length;
    const answer = await post('/console/test-write', officer.cookie, 'https://evil.example');
    assert.equal(answer.status, 403);
    assert.equal(writes.length, before);
  });

  it('answers 503 until the OP is up', async () => {
    ready = false;
    try {
      assert.equal((await get('/console')).status, 503);
    } finally {
      ready = true;
    }
  });

  it('defines pages only under /console, naming known roles', () => {
    const handler = () => new Response('');
    assert.throws(() => consoleRoute({ method: 'get', path: '/api/x', roles: ['auditor'], handler }), /under \/console/);
    assert.throws(() => consoleRoute({ method: 'get', path: '/console/x', roles: [] as never, handler }), /name the operator roles/);
    assert.throws(() => consoleRoute({ method: 'get', path: '/console/x', roles: ['root' as never], handler }), /unknown operator role root/);
  });
});

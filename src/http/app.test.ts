import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { z } from '@hono/zod-openapi';
import { testOperator } from '../operators/test-operators.ts';
import { revokeToken } from '../operators/tokens.ts';
import { operatorDeps } from '../runtime/operators.ts';
import { listAuditEntries } from '../audit/queries.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { type Muster, startMuster } from '../runtime/context.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { createHttpApp } from './app.ts';
import type { MusterApp, RouteModule } from './env.ts';
import { apiRoute } from './route.ts';
import { encodeAttributes } from '../mur/attribute-codec.ts';

const T = '2026-03-01T12:00:00.000Z';
const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function seed(ctx: Muster): Promise<void> {
  const people = [
    [1, 'active', 'Ada Lovelace', 'Engineering'],
    [2, 'active', 'Bob Adams', 'Finance'],
    [3, 'leave', 'Cy Twombly', 'Engineering'],
  ] as const;
  for (const [n, status, name, department] of people) {
    const attributes = { full_name: { v: name, s: 'hr', r: `r${n}`, t: T }, department: { v: department, s: 'hr', r: `r${n}`, t: T } };
    const stored = encodeAttributes(attributes);
    await ctx.store.query(`INSERT INTO identities (id, kind, status, attributes, provenance, last_updated, created_at, updated_at) VALUES ($1, 'person', $2, $3, $5, $4, $4, $4)`, [
      ID(n),
      status,
      JSON.stringify(stored.attributes),
      T,
      JSON.stringify(stored.provenance),
    ]);
  }
}

/** An extra route module, as another engineer would write one. */
const extraRoutes: RouteModule = (app) => {
  const echo = apiRoute({
    method: 'get',
    path: '/api/echo',
    roles: ['auditor'],
    responses: { 200: { description: 'who called', content: { 'application/json': { schema: z.object({ actor: z.string(), correlationId: z.string() }) } } } },
  });
  app.openapi(echo, (c) => c.json({ actor: c.get('principal').actor, correlationId: c.get('correlationId') }, 200));
  const boom = apiRoute({ method: 'get', path: '/api/boom', roles: ['auditor'], responses: { 200: { description: 'never' } } });
  app.openapi(boom, () => {
    throw new Error('secret internals');
  });
  app.get('/api/unguarded', (c) => c.text('should never answer'));
};

describeEachStore('http app', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let token: string;
  let tokenId: string;
  let actor: string;
  const serverErrors: unknown[] = [];
  const clock = new ManualClock(T);

  const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const body = async (res: Response) => (await res.json()) as any;

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', audit: { checkpointInterval: 3 } } });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    await seed(ctx);
    ({ token, tokenId, actor } = await testOperator(ctx, ['auditor', 'registrar'], { identityId: ID(1) }));
    app = createHttpApp(ctx, [extraRoutes], { onServerError: (error) => serverErrors.push(error) });
  });
  after(() => ctx.close());

  it('answers /health without a token', async () => {
    const res = await app.request('/health');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', store: 'available' });
    assert.match(res.headers.get('x-correlation-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('answers /health with 503 and store unavailable when the store does not answer its SELECT 1', async () => {
    const timeouts: number[] = [];
    const down = { ...ctx.store, ping: (timeoutMs: number) => (timeouts.push(timeoutMs), Promise.reject(new Error('the database did not answer'))) };
    const res = await createHttpApp({ ...ctx, store: down }).request('/health');
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: 'unavailable', store: 'unavailable' });
    assert.deepEqual(timeouts, [2000]);
  });

  it('serves an OpenAPI 3.1 document of every route with the bearer scheme', async () => {
    const res = await app.request('/openapi.json');
    assert.equal(res.status, 200);
    const doc = await body(res);
    assert.equal(doc.openapi, '3.1.0');
    for (const path of ['/health', '/api/identities', '/api/identities/{id}', '/api/sources', '/api/audit', '/api/audit/verify', '/api/echo']) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
      type: 'http',
      scheme: 'bearer',
      description: "An operator's API token (`muster token create`); each operation names the operator roles that may call it",
    });
    assert.deepEqual(doc.paths['/api/identities'].get.security, [{ bearerAuth: ['registrar', 'sponsor', 'adjudicator', 'issuer', 'helpdesk', 'security-officer', 'auditor'] }]);
    assert.ok(doc.paths['/api/identities'].get.responses['403'], 'the 403 of a refused role is documented');
    assert.equal(doc.paths['/health'].get.security, undefined);
    assert.ok(doc.paths['/api/identities/{id}'].get.responses['404']);
  });

  it('refuses /api without a token, with WWW-Authenticate, and audits the refusal', async () => {
    const res = await app.request('/api/identities', { headers: { 'x-correlation-id': 'no-token-1' } });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await body(res)).error.code, 'MUSTER_ERR_UNAUTHENTICATED');
    const [entry] = await listAuditEntries(ctx.store, { correlationId: 'no-token-1' });
    assert.equal(entry?.action, 'auth.refused');
    assert.equal(entry?.actor, 'anonymous');
    assert.equal(entry?.reason, 'missing Authorization header');
    assert.deepEqual(entry?.data, { remoteAddress: null, method: 'GET', path: '/api/identities' });
  });

  it('refuses bad, foreign-scheme and revoked tokens without recording the token', async () => {
    const bad = `mst_${'A'.repeat(43)}`;
    const cases = [
      [`Bearer ${bad}`, 'unknown token'],
      ['Bearer not-a-muster-token', 'malformed token'],
      [`Basic ${Buffer.from('u:p').toString('base64')}`, 'Authorization is not a Bearer token'],
    ] as const;
    for (const [i, [authorization, reason]] of cases.entries()) {
      const res = await app.request('/api/sources', { headers: { authorization, 'x-correlation-id': `bad-${i}` } });
      assert.equal(res.status, 401, reason);
      const entries = await listAuditEntries(ctx.store, { correlationId: `bad-${i}` });
      assert.equal(entries[0]?.reason, reason);
      assert.ok(!JSON.stringify(entries).includes(authorization.split(' ')[1] ?? ''), 'the token is not in the audit log');
    }
    const spare = await testOperator(ctx, ['auditor'], { identityId: ID(2) });
    const by = { tokenId, tokenName: 'admin', identityId: ID(1), roles: ['operator-admin'], actor };
    await revokeToken(operatorDeps(ctx), by, spare.tokenId);
    const res = await app.request('/api/sources', { headers: { authorization: `bearer ${spare.token}`, 'x-correlation-id': 'revoked-1' } });
    assert.equal(res.status, 401);
    const [entry] = await listAuditEntries(ctx.store, { correlationId: 'revoked-1' });
    assert.equal(entry?.reason, 'revoked token');
    assert.equal(entry?.target, `token:${spare.tokenId}`);
  });

  it('lists identities with a token, filtered and paged', async () => {
    const all = await body(await get('/api/identities'));
    assert.deepEqual(
      all.items.map((i: any) => i.fullName),
      ['Ada Lovelace', 'Bob Adams', 'Cy Twombly'],
    );
    const eng = await body(await get('/api/identities?department=Engineering&status=active'));
    assert.deepEqual(
      eng.items.map((i: any) => i.id),
      [ID(1)],
    );
    const q = await body(await get('/api/identities?q=BOB'));
    assert.deepEqual(
      q.items.map((i: any) => i.id),
      [ID(2)],
    );
    const first = await body(await get('/api/identities?limit=2'));
    assert.equal(first.items.length, 2);
    const second = await body(await get(`/api/identities?limit=2&cursor=${first.nextCursor}`));
    assert.deepEqual(
      second.items.map((i: any) => i.id),
      [ID(3)],
    );
    assert.equal(second.nextCursor, undefined);
  });

  it('answers 400 naming each bad field', async () => {
    const res = await get('/api/identities?limit=0&status=gone&colour=red');
    assert.equal(res.status, 400);
    const { error } = await body(res);
    assert.equal(error.code, 'MUSTER_ERR_VALIDATION');
    assert.deepEqual(error.details.map((d: any) => d.field).sort(), ['colour', 'limit', 'status']);
    const cursor = await body(await get('/api/identities?cursor=zzz'));
    assert.equal(cursor.error.code, 'MUSTER_ERR_VALIDATION');
    assert.equal(cursor.error.details[0].field, 'cursor');
  });

  it('shows one identity, 404 for a missing one and 400 for a malformed id', async () => {
    const view = await body(await get(`/api/identities/${ID(1)}`));
    assert.equal(view.id, ID(1));
    assert.deepEqual(
      view.attributes.find((a: any) => a.name === 'full_name'),
      { name: 'full_name', value: 'Ada Lovelace', source: 'hr', sourceRecord: 'r1', observedAt: T },
    );
    const missing = await get(`/api/identities/${ID(99)}`);
    assert.equal(missing.status, 404);
    const { error } = await body(missing);
    assert.equal(error.code, 'MUSTER_ERR_NOT_FOUND');
    assert.match(error.message, new RegExp(ID(99)));
    assert.equal((await get('/api/identities/nope')).status, 400);
  });

  it('lists the configured sources', async () => {
    const { items } = await body(await get('/api/sources'));
    assert.deepEqual(
      items.map((s: any) => s.name),
      ['hr', 'npe', 'training', 'vetting'],
    );
    assert.deepEqual(items[0], { name: 'hr', kind: 'hr', authoritative: ['USER', 'ROLE', 'STATUS'], mayCreate: true });
  });

  it('lists audit entries newest first with filters and paging, and verifies the log', async () => {
    const created = await body(await get('/api/audit?action=token.created'));
    assert.ok(created.items.some((e: any) => e.target === `token:${tokenId}` && e.actor === 'test:setup' && e.data.identity_id === ID(1)));
    const page = await body(await get('/api/audit?limit=2'));
    assert.equal(page.items.length, 2);
    assert.ok(page.items[0].seq > page.items[1].seq);
    assert.equal(page.nextBeforeSeq, page.items[1].seq);
    const older = await body(await get(`/api/audit?limit=2&beforeSeq=${page.nextBeforeSeq}`));
    assert.ok(older.items.every((e: any) => e.seq < page.nextBeforeSeq));
    const verified = await body(await get('/api/audit/verify'));
    assert.equal(verified.ok, true, JSON.stringify(verified));
    assert.ok(verified.entries >= 5);
    assert.ok(verified.checkpoints >= 1);
  });

  it('echoes a sane correlation id and replaces anything else', async () => {
    const echoed = await get('/api/echo', { 'x-correlation-id': 'req-42.a:b' });
    assert.equal(echoed.headers.get('x-correlation-id'), 'req-42.a:b');
    assert.deepEqual(await echoed.json(), { actor, correlationId: 'req-42.a:b' });
    assert.equal(actor, `operator:${ID(1)}`);
    const replaced = await get('/api/echo', { 'x-correlation-id': 'bad value <script>' });
    assert.match(replaced.headers.get('x-correlation-id') ?? '', /^[0-9a-f-]{36}$/);
    const failed = await app.request('/api/nothing', { headers: { 'x-correlation-id': 'fail-1' } });
    assert.equal(failed.headers.get('x-correlation-id'), 'fail-1');
  });

  it('answers unknown routes with 404 and hides the message of a 500', async () => {
    const nothing = await get('/api/nothing');
    assert.equal(nothing.status, 404);
    assert.equal((await body(nothing)).error.code, 'MUSTER_ERR_NOT_FOUND');
    const boom = await get('/api/boom', { 'x-correlation-id': 'boom-1' });
    assert.equal(boom.status, 500);
    const { error } = await body(boom);
    assert.equal(error.code, 'MUSTER_ERR_INTERNAL');
    assert.ok(!error.message.includes('secret'));
    assert.match(error.message, /boom-1/);
    assert.match(String(serverErrors.at(-1)), /secret internals/);
  });

  it('refuses a route defined without roles to every token, and audits it', async () => {
    const res = await get('/api/unguarded', { 'x-correlation-id': 'unguarded-1' });
    assert.equal(res.status, 403);
    assert.equal((await body(res)).error.code, 'MUSTER_ERR_FORBIDDEN');
    const [entry] = await listAuditEntries(ctx.store, { correlationId: 'unguarded-1' });
    assert.equal(entry?.action, 'auth.forbidden');
    assert.equal(entry?.actor, actor);
    assert.deepEqual(entry?.data, { route: 'GET /api/unguarded', needed: [], held: ['auditor', 'registrar'], token_id: tokenId });
  });

  it('refuses a token without the role a route names (403, audited naming operator, token, route and role)', async () => {
    const res = await get('/api/policies', { 'x-correlation-id': 'forbidden-1' });
    assert.equal(res.status, 200, 'an auditor reads policies');
    const put = await app.request('/api/policies/p1', {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'x-correlation-id': 'forbidden-2', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(put.status, 403);
    const { error } = await body(put);
    assert.equal(error.code, 'MUSTER_ERR_FORBIDDEN');
    assert.match(error.message, /PUT \/api\/policies\/\{name\} needs the role policy-admin/);
    const [entry] = await listAuditEntries(ctx.store, { correlationId: 'forbidden-2' });
    assert.equal(entry?.action, 'auth.forbidden');
    assert.equal(entry?.actor, actor);
    assert.equal(entry?.target, `token:${tokenId}`);
    assert.deepEqual(entry?.data.needed, ['policy-admin']);
  });

  it('audits refusals of one token in bounded volume: 20 a minute, the rest counted and reported with the next', async () => {
    clock.advance(120_000);
    const tries = 25;
    const put = (correlationId: string) => app.request('/api/policies/p1', { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'x-correlation-id': correlationId } });
    for (let i = 0; i < tries; i++) assert.equal((await put(`flood-${i}`)).status, 403);
    const audited = (await listAuditEntries(ctx.store, { action: 'auth.forbidden', limit: 500 })).filter((e) => e.correlationId.startsWith('flood-'));
    assert.equal(audited.length, 20);
    clock.advance(61_000);
    assert.equal((await put('after-flood')).status, 403);
    const [next] = await listAuditEntries(ctx.store, { correlationId: 'after-flood' });
    assert.equal(next?.data.suppressed_before, tries - 20);
  });

  it('throws at definition for a route without roles, with an unknown role, or a source feed without {source}', () => {
    const define =
      (roles: unknown, path = '/api/x') =>
      () =>
        apiRoute({ method: 'get', path, roles: roles as never, responses: {} });
    assert.throws(define(undefined), /name the operator roles/);
    assert.throws(define([]), /name the operator roles/);
    assert.throws(define(['root']), /unknown operator role root/);
    assert.throws(define(['source-feed:{source}']), /needs a \{source\} path parameter/);
    assert.doesNotThrow(define(['source-feed:{source}'], '/api/x/{source}'));
  });
});

// Every route of the OpenAPI document, called with a token of every role: allowed or refused exactly
// as docs/operators.md says, each refusal a 403 audited as auth.forbidden.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { listAuditEntries } from '../audit/queries.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { OPERATOR_ROLES } from '../core/operators/roles.ts';
import { type TestOperator, testOperator } from '../operators/test-operators.ts';
import { type Muster, startMuster } from '../runtime/context.ts';
import { pgliteFactory } from '../../test/support/stores.ts';
import { createHttpApp } from './app.ts';
import type { MusterApp } from './env.ts';

const ROLES = [...Object.keys(OPERATOR_ROLES), 'source-feed:hr', 'source-feed:vetting'];
const PARAMS: Record<string, string> = { id: '00000000-0000-4000-8000-00000000abcd', source: 'hr', serial: '0a', name: 'nothing' };

/** The route table of docs/operators.md: `METHOD /path` → roles. */
function documentedRoutes(): Map<string, string[]> {
  const text = readFileSync(new URL('../../docs/operators.md', import.meta.url), 'utf8');
  const rows = [...text.matchAll(/^\| `((?:GET|POST|PUT|PATCH|DELETE) \/api\/[^`]+)` \| ([^|]+) \|$/gm)];
  return new Map(rows.map((m) => [m[1] as string, (m[2] as string).split(',').map((r) => r.trim())]));
}

/** The routes of the document with the roles their bearer security names. */
function declaredRoutes(doc: any): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [path, operations] of Object.entries<any>(doc.paths)) {
    for (const [method, operation] of Object.entries<any>(operations)) {
      const roles = operation.security?.[0]?.bearerAuth;
      if (path.startsWith('/api/')) out.set(`${method.toUpperCase()} ${path}`, roles ?? []);
    }
  }
  return out;
}

/** A route with `{source}` is called for an HR source and for the vetting source, whose snapshots by hand are the adjudicator's, not the source-admin's. */
const SOURCES = ['hr', 'vetting'];

function allowedFor(role: string, declared: readonly string[], source: string): boolean {
  const needed = (d: string) => (d === 'source-admin/adjudicator:{source}' ? (source === 'vetting' ? 'adjudicator' : 'source-admin') : d.replace('{source}', source));
  return declared.some((d) => needed(d) === role);
}

let ctx: Muster;
let app: MusterApp;
let doc: any;
const clock = new ManualClock('2026-03-02T09:00:00Z');
const tokens = new Map<string, TestOperator>();

before(async () => {
  ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', workers: { enabled: false } } }), { store: await pgliteFactory.open(), clock });
  app = createHttpApp(ctx);
  for (const role of ROLES) tokens.set(role, await testOperator(ctx, [role]));
  doc = await (await app.request('/openapi.json')).json();
});
after(() => ctx.close());

test('every route of the document has an entry in the role table, with the roles its definition names', () => {
  const documented = documentedRoutes();
  const declared = declaredRoutes(doc);
  assert.ok(declared.size >= 50, `only ${declared.size} routes found`);
  for (const [route, roles] of declared) {
    assert.ok(documented.has(route), `${route} has no entry in the role table of docs/operators.md`);
    assert.deepEqual(documented.get(route), roles, `${route}: the role table and the definition disagree`);
  }
  for (const route of documented.keys()) assert.ok(declared.has(route), `docs/operators.md names ${route}, which the API does not have`);
});

test('each role is let through or refused exactly as the role table says, and each refusal is audited', { timeout: 600_000 }, async () => {
  const documented = documentedRoutes();
  const wrong: string[] = [];
  let n = 0;
  const calls = [...documented].flatMap(([route, declared]) => (route.includes('{source}') ? SOURCES : [PARAMS.source as string]).map((source) => ({ route, declared, source })));
  for (const { route, declared, source } of calls) {
    const [method, template] = route.split(' ') as [string, string];
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'source' ? source : (PARAMS[name] ?? name)));
    for (const role of ROLES) {
      const correlationId = `matrix-${n++}`;
      clock.advance(61_000); // each token's refusals are audited 20 a minute; a minute apart, every one is
      const operator = tokens.get(role) as TestOperator;
      const res = await app.request(path, {
        method,
        headers: { authorization: operator.bearer, 'x-correlation-id': correlationId, 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: '{}' }),
      });
      const body = res.status === 403 ? ((await res.json()) as any) : await res.text();
      const refused = res.status === 403 && body.error?.code === 'MUSTER_ERR_FORBIDDEN';
      const expected = allowedFor(role, declared, source);
      if (refused === expected) wrong.push(`${path} (${route}) as ${role}: ${refused ? 'refused' : `let through (${res.status})`}, the table says ${expected ? 'allowed' : 'refused'}`);
      assert.notEqual(res.status, 401, `${route} as ${role}: the token itself was refused`);
      const audited = (await listAuditEntries(ctx.store, { correlationId })).filter((e) => e.action === 'auth.forbidden');
      if (refused && (audited.length !== 1 || audited[0]?.actor !== operator.actor || audited[0]?.data.route !== route || audited[0]?.data.token_id !== operator.tokenId)) {
        wrong.push(`${route} as ${role}: refused but not audited naming the operator, token and route (${JSON.stringify(audited)})`);
      }
      if (!refused && audited.length > 0) wrong.push(`${route} as ${role}: let through but audited as forbidden`);
    }
  }
  assert.deepEqual(wrong, []);
});

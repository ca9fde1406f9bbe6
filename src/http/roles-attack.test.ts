// What a stolen feed token or an auditor's token could do before operators had roles, replayed: each is
// refused and audited. And the end of an operator: a leaver's token stops at once, then is revoked.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listAuditEntries } from '../audit/queries.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { VETTING_HEADER } from '../credentials/test-fixtures.ts';
import { exampleAgreement } from '../federation/agreements-fixture.ts';
import { testWorker } from '../lifecycle/test-fixtures.ts';
import { type TestOperator, testOperator } from '../operators/test-operators.ts';
import { type Muster, startMuster } from '../runtime/context.ts';
import type { Harness } from '../../test/support/muster.ts';
import { hrCsv, hrLine } from '../../test/support/muster.ts';
import { pgliteFactory } from '../../test/support/stores.ts';
import { createHttpApp } from './app.ts';
import type { MusterApp } from './env.ts';

const CARD_ID = '00000000-0000-4000-8000-0000000000c1';
let ctx: Muster;
let app: MusterApp;
let dir: string;
let feed: TestOperator;
let auditor: TestOperator;
const clock = new ManualClock('2026-03-02T09:00:00Z');
let n = 0;

async function call(who: TestOperator, method: string, path: string, body?: unknown, type = 'application/json') {
  const correlationId = `attack-${n++}`;
  const init = body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) };
  const res = await app.request(path, { method, headers: { authorization: who.bearer, 'x-correlation-id': correlationId, 'content-type': type }, ...init });
  return { res, correlationId, json: (await res.json()) as any };
}

async function assertForbidden(who: TestOperator, method: string, path: string, body?: unknown): Promise<void> {
  const { res, correlationId, json } = await call(who, method, path, body);
  assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(json)}`);
  assert.equal(json.error.code, 'MUSTER_ERR_FORBIDDEN');
  const [entry] = await listAuditEntries(ctx.store, { correlationId });
  assert.equal(entry?.action, 'auth.forbidden', `${method} ${path} is audited`);
  assert.equal(entry?.actor, who.actor);
}

/** The identity of an HR record, found as an auditor finds it. */
async function identityOf(employeeId: string): Promise<string> {
  const { items } = (await call(auditor, 'GET', `/api/identities?q=${employeeId}`)).json;
  assert.equal(items[0]?.employeeId, employeeId);
  return items[0].id;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-attack-'));
  ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', workers: { enabled: false } } }), { store: await pgliteFactory.open(), clock });
  app = createHttpApp(ctx);
  feed = await testOperator(ctx, ['source-feed:hr']);
  auditor = await testOperator(ctx, ['auditor']);
  const day0 = await call(feed, 'POST', '/api/imports/hr?fileName=day0.csv', hrCsv(['E1', 'E2', 'E3', 'E4'].map((id) => hrLine(id))), 'text/csv');
  assert.equal(day0.res.status, 200, JSON.stringify(day0.json));
});
after(async () => {
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

test('a source-feed:hr token cannot vet a person, issue or activate a card, rewrite an agreement or confirm a held import', async () => {
  const e1 = await identityOf('E1');
  await assertForbidden(feed, 'POST', '/api/sources/vetting/events', { type: 'mover', effectiveAt: clock.now().toISOString(), record: { employee_id: 'E1', eligibility: 'favorable' } });
  await assertForbidden(feed, 'POST', '/api/imports/vetting', 'employee_id\nE1\n');
  await assertForbidden(feed, 'POST', '/api/cards', { identityId: e1 });
  await assertForbidden(feed, 'POST', `/api/cards/${CARD_ID}/activate`, { reason: 'mine now' });
  await assertForbidden(feed, 'PUT', '/api/federation/agreements/benefits', { document: exampleAgreement({ relyingParties: [{ redirectUris: ['https://attacker.example/cb'] }] }), reason: 'moved' });
  clock.advance(3_600_000);
  const held = await call(feed, 'POST', '/api/imports/hr?fileName=truncated.csv', hrCsv([hrLine('E1')]), 'text/csv');
  assert.equal(held.res.status, 202, 'the mass-change guard holds a truncated snapshot');
  await assertForbidden(feed, 'POST', `/api/imports/${held.json.run.id}/confirm`, {});
  const shown = await call(auditor, 'GET', `/api/imports/${held.json.run.id}`);
  assert.equal(shown.json.run.status, 'held', 'nothing was applied');
  await assertForbidden(feed, 'GET', '/api/audit');
});

test('a source-admin uploads HR snapshots by hand but never a vetting one: adjudication results come from the vetting feed or an adjudicator', async () => {
  const admin = await testOperator(ctx, ['source-admin']);
  const adjudicator = await testOperator(ctx, ['adjudicator']);
  const vetting = `${VETTING_HEADER}\nE2,favorable,current,Tier 3,2025-11-01,true\n`;
  await assertForbidden(admin, 'POST', '/api/imports/vetting', vetting);
  const [forbidden] = await listAuditEntries(ctx.store, { action: 'auth.forbidden', limit: 1 }); // the newest
  assert.deepEqual(forbidden?.data.needed, ['source-feed:vetting', 'adjudicator']);
  const hr = await call(admin, 'POST', '/api/imports/hr?fileName=by-hand.csv', hrCsv(['E1', 'E2', 'E3', 'E4'].map((id) => hrLine(id))), 'text/csv');
  assert.equal(hr.res.status, 200, JSON.stringify(hr.json));
  await assertForbidden(adjudicator, 'POST', '/api/imports/hr', hrCsv([hrLine('E1')]));
  const vetted = await call(adjudicator, 'POST', '/api/imports/vetting?fileName=adjudicated.csv', vetting, 'text/csv');
  assert.equal(vetted.res.status, 200, JSON.stringify(vetted.json));
  assert.equal(vetted.json.run.summary.changed, 1, 'the adjudicator vetted E2');
});

test('an auditor token reads but cannot write', async () => {
  assert.equal((await call(auditor, 'GET', '/api/audit/verify')).res.status, 200);
  await assertForbidden(auditor, 'PUT', '/api/policies/staff', { document: {}, reason: 'x' });
  await assertForbidden(auditor, 'POST', `/api/identities/${await identityOf('E3')}/holds`, { reason: 'x' });
  await assertForbidden(auditor, 'POST', '/api/sources/hr/events', {});
  await assertForbidden(auditor, 'POST', `/api/cards/${CARD_ID}/terminate`, { reason: 'x' });
});

test('an expired token is refused (401), audited with the reason expired', async () => {
  const shortLived = await testOperator(ctx, ['auditor'], { expires: '1d' });
  assert.equal((await call(shortLived, 'GET', '/api/audit')).res.status, 200);
  clock.advance(86_400_000);
  const { res, correlationId } = await call(shortLived, 'GET', '/api/audit');
  assert.equal(res.status, 401);
  const [entry] = await listAuditEntries(ctx.store, { correlationId });
  assert.deepEqual([entry?.action, entry?.reason, entry?.target], ['auth.refused', 'expired', `token:${shortLived.tokenId}`]);
});

test("an HR leaver event for an operator stops the operator's token at once, and the lifecycle revokes it", async () => {
  const e2 = await identityOf('E2');
  const helpdesk = await testOperator(ctx, ['helpdesk'], { identityId: e2 });
  assert.equal((await call(helpdesk, 'GET', `/api/identities/${e2}`)).res.status, 200);
  const left = await call(feed, 'POST', '/api/sources/hr/events', { type: 'leaver', effectiveAt: clock.now().toISOString(), record: { employee_id: 'E2', status: 'terminated' } });
  assert.equal(left.res.status, 200, JSON.stringify(left.json));
  const now = await call(helpdesk, 'GET', `/api/identities/${e2}`);
  assert.equal(now.res.status, 401, 'refused before any job runs');
  assert.equal((await listAuditEntries(ctx.store, { correlationId: now.correlationId }))[0]?.reason, 'the operator is not active');
  await testWorker({ ...ctx, dir } as unknown as Harness).runOnce();
  const row = await ctx.store.db.selectFrom('api_tokens').select('revoked_at').where('id', '=', helpdesk.tokenId).executeTakeFirstOrThrow();
  assert.ok(row.revoked_at, 'the token is revoked');
  const revoked = (await listAuditEntries(ctx.store, { action: 'token.revoked' })).find((e) => e.target === `token:${helpdesk.tokenId}`);
  assert.equal(revoked?.actor, 'muster:lifecycle');
  assert.equal((await call(helpdesk, 'GET', `/api/identities/${e2}`)).res.status, 401);
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { VETTING_HEADER, cardRequest } from '../../src/credentials/test-fixtures.ts';
import { createHttpApp } from '../../src/http/app.ts';
import type { MusterApp } from '../../src/http/env.ts';
import { testOperator } from '../../src/operators/test-operators.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { createJobWorker } from '../../src/runtime/workers.ts';
import { type Harness, hrCsv, hrLine } from '../support/muster.ts';
import { describeEachStore } from '../support/stores.ts';

/** A leaver whose PIV card is revoked 90 seconds after the leaver event; the reports read it over HTTP. */
describeEachStore('governance reports over HTTP', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let token: string;
  let adjudicator: string;
  let dir: string;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const get = (path: string) => app.request(path, { headers: { authorization: `Bearer ${token}` } });
  // HR by a source admin, vetting by an adjudicator, as the role table says
  const upload = async (source: string, body: string) => {
    const bearer = source === 'vetting' ? adjudicator : token;
    const res = await app.request(`/api/imports/${source}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'text/csv' }, body });
    assert.equal(res.status, 200, await res.text());
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-reports-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', import: { massChangeShare: 1 } } });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    ({ token } = await testOperator({ store: ctx.store, audit: ctx.audit, clock }, ['auditor', 'source-admin']));
    ({ token: adjudicator } = await testOperator({ store: ctx.store, audit: ctx.audit, clock }, ['adjudicator']));
    app = createHttpApp(ctx);
    await upload('hr', hrCsv([hrLine('E1'), hrLine('E2', { user_type: 'contractor' })]));
    await upload('vetting', `${VETTING_HEADER}\nE1,favorable,current,Tier 3,2025-11-01,true\n`);
    const [e1] = await ctx.store.query<{ id: string }>(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E1'`);
    const { cards } = await ctx.credentials();
    const by = { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: 'req-card' };
    const card = await cards.issue(await cardRequest({ store: ctx.store, audit: ctx.audit, clock, dir } as unknown as Harness, e1?.id as string), by);
    await cards.activate(card.credentialId, by);
    const worker = createJobWorker(ctx);
    while ((await worker.runOnce()).claimed > 0);
    await upload('hr', hrCsv([hrLine('E1', { status: 'terminated' }), hrLine('E2', { user_type: 'contractor' })]));
    clock.advance(90_000);
    while ((await worker.runOnce()).claimed > 0);
  });
  after(async () => {
    await ctx.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('leaver-latency times certificate revocation from the leaver event, as SQL of its own does', async () => {
    const res = await get('/api/reports/leaver-latency?since=2026-03-01T00:00:00Z');
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    const [expected] = await ctx.store.query<{ seconds: number }>(
      `SELECT max(extract(epoch FROM c.revoked_at - e.occurred_at))::float8 AS seconds
       FROM events e JOIN certificates c ON c.revocation_event_id = e.id OR c.revocation_event_id IN (SELECT id FROM events WHERE cause_event_id = e.id)
       WHERE e.type = 'identity.leaver'`,
    );
    const revocation = body.rows.find((r: any) => r.point === 'certificate-revocation');
    assert.equal(expected?.seconds, 90);
    assert.deepEqual([revocation?.leavers, revocation?.p50_seconds, revocation?.p99_seconds], [1, 90, 90]);
  });

  it('phishing-resistant coverage: the leaver is gone, no active identity holds a PIV card', async () => {
    const body = (await (await get('/api/reports/phishing-resistant-coverage')).json()) as any;
    const [active] = await ctx.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM identities WHERE status = 'active'`);
    assert.equal(
      body.rows.reduce((sum: number, r: any) => sum + r.active, 0),
      active?.n,
    );
    assert.ok(body.rows.every((r: any) => r.piv === 0));
  });

  it('answers CSV, and streams the CDM export as JSON lines', async () => {
    const csv = await get('/api/reports/phishing-resistant-coverage?format=csv');
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(await csv.text(), /^user_type,active,piv,derived_pki,fido2,none,phishing_resistant,share\r\n/);
    const lines = (await (await get('/api/reports/cdm-export?object=USER,CRED')).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const [counts] = await ctx.store.query<{ users: number; creds: number }>(`SELECT (SELECT count(*)::int FROM identities) AS users, (SELECT count(*)::int FROM credentials) AS creds`);
    assert.equal(lines.filter((l) => l.object === 'USER').length, counts?.users);
    assert.equal(lines.filter((l) => l.object === 'CRED').length, counts?.creds);
    const [audited] = await ctx.store.query<{ actor: string; data: { objects: string[]; format: string } }>(
      `SELECT actor, data FROM audit_log WHERE action = 'report.cdm-exported' ORDER BY seq DESC LIMIT 1`,
    );
    assert.match(audited?.actor ?? '', /^operator:/);
    assert.deepEqual([audited?.data.objects, audited?.data.format], [['USER', 'CRED'], 'json']);
  });

  it('refuses an unknown report and a bad window, naming them', async () => {
    assert.equal((await get('/api/reports/everything')).status, 400);
    const bad = await get('/api/reports/cdm-export?object=SECRETS');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).error.details[0].field, 'object');
  });
});

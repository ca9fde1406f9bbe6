// One operator holding every role tries to run a card issuance and a federation change alone: create a person, vet
// them, sponsor, proof and issue their card, rewrite a relying party's redirect URIs, confirm its own held mass
// termination. Each step is refused by the rule that applies, and audited; the honest path — three people for a
// card, a second federation admin for the redirect URIs, another source admin for the held run — succeeds.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listAuditEntries } from '../../src/audit/queries.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { PIV_EVIDENCE, VETTING_HEADER, opensslCsr } from '../../src/credentials/test-fixtures.ts';
import { exampleAgreement, exampleRp } from '../../src/federation/agreements-fixture.ts';
import { createHttpApp } from '../../src/http/app.ts';
import type { MusterApp } from '../../src/http/env.ts';
import { type TestOperator, testOperator } from '../../src/operators/test-operators.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { hrCsv, hrLine } from '../support/muster.ts';
import { describeEachStore } from '../support/stores.ts';

const YEAR_MS = 365 * 86_400_000;
const AGREEMENT = '/api/federation/agreements/benefits';

describeEachStore('separation of duties and two-person rules, attacked by one operator', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let dir: string;
  let n = 0;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const cast = {} as Record<'mallory' | 'sponsor' | 'registrar' | 'issuer' | 'fedAdmin' | 'sourceAdmin' | 'hrFeed' | 'vettingFeed' | 'auditor', TestOperator>;

  async function call(who: TestOperator, method: string, path: string, body?: unknown, type = 'application/json') {
    const correlationId = `sod-${n++}`;
    const init = body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) };
    const res = await app.request(path, { method, headers: { authorization: who.bearer, 'x-correlation-id': correlationId, 'content-type': type }, ...init });
    return { status: res.status, correlationId, json: (await res.json()) as any };
  }

  /** Refused with `code`, the first detail naming `rule`, and an audit entry of the refusal under the request's correlation id. */
  async function refused(who: TestOperator, method: string, path: string, body: unknown, code: string, rule: string | null, audited: string, type?: string): Promise<void> {
    const r = await call(who, method, path, body, type);
    assert.equal(r.json.error?.code, code, `${method} ${path}: ${JSON.stringify(r.json)}`);
    if (rule) assert.equal(r.json.error.details[0]?.field, rule, `${method} ${path} names the rule`);
    const actions = (await listAuditEntries(ctx.store, { correlationId: r.correlationId })).map((e) => e.action);
    assert.ok(actions.includes(audited), `${method} ${path} is audited as ${audited} (got ${actions.join(', ')})`);
  }

  const identityOf = async (employeeId: string): Promise<string> => {
    const { json } = await call(cast.auditor, 'GET', `/api/identities?q=${employeeId}`);
    return json.items.find((i: any) => i.employeeId === employeeId).id;
  };
  const proofing = () => ({ ial: 'IAL3', method: 'in-person', evidence: PIV_EVIDENCE, proofedAt: new Date(clock.now().getTime() - 60_000).toISOString() });
  const cardBody = async (identityId: string) => ({
    identityId,
    expiresAt: new Date(clock.now().getTime() + 5 * YEAR_MS).toISOString(),
    pivAuthCsr: await opensslCsr(dir, `piv-${n++}`),
    cardAuthCsr: await opensslCsr(dir, `card-${n++}`),
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-sod-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', workers: { enabled: false }, import: { massChangeShare: 0.3 } } });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    app = createHttpApp(ctx);
    cast.mallory = await testOperator(ctx, ['source-feed:hr', 'sponsor', 'registrar', 'issuer', 'federation-admin', 'source-admin']);
    cast.sponsor = await testOperator(ctx, ['sponsor']);
    cast.registrar = await testOperator(ctx, ['registrar']);
    cast.issuer = await testOperator(ctx, ['issuer']);
    cast.fedAdmin = await testOperator(ctx, ['federation-admin']);
    cast.sourceAdmin = await testOperator(ctx, ['source-admin']);
    cast.hrFeed = await testOperator(ctx, ['source-feed:hr']);
    cast.vettingFeed = await testOperator(ctx, ['source-feed:vetting']);
    cast.auditor = await testOperator(ctx, ['auditor']);
    const day0 = await call(cast.hrFeed, 'POST', '/api/imports/hr?fileName=day0.csv', hrCsv(['E1', 'E2', 'E3', 'E4', 'E5'].map((id) => hrLine(id))), 'text/csv');
    assert.equal(day0.status, 200, JSON.stringify(day0.json));
    const saved = await call(cast.fedAdmin, 'PUT', AGREEMENT, { document: exampleAgreement(), reason: 'signed' });
    assert.equal(saved.status, 201, JSON.stringify(saved.json));
  });
  after(async () => {
    await ctx?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('one token: vetting, sponsoring itself, proofing its own sponsee and issuing the card are each refused by their rule', async () => {
    // the person it creates through the HR feed it holds; vetting needs the vetting feed, which it does not hold
    const created = await call(cast.mallory, 'POST', '/api/imports/hr?fileName=mallory.csv', hrCsv(['E1', 'E2', 'E3', 'E4', 'E5', 'X9'].map((id) => hrLine(id))), 'text/csv');
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const vetting = `${VETTING_HEADER}\nX9,favorable,current,Tier 3,2025-11-01,true\n`;
    const vetEvent = { type: 'mover', effectiveAt: clock.now().toISOString(), record: { employee_id: 'X9', eligibility: 'favorable' } };
    await refused(cast.mallory, 'POST', '/api/sources/vetting/events', vetEvent, 'MUSTER_ERR_FORBIDDEN', null, 'auth.forbidden');
    assert.equal((await call(cast.vettingFeed, 'POST', '/api/imports/vetting', vetting, 'text/csv')).status, 200, 'the vetting feed vets X9');
    const x9 = await identityOf('X9');
    await refused(
      cast.mallory,
      'POST',
      `/api/identities/${cast.mallory.identityId}/sponsorship`,
      { reason: 'me' },
      'MUSTER_ERR_SEPARATION_OF_DUTIES',
      'sponsor-not-applicant',
      'separation_of_duties.refused',
    );
    assert.equal((await call(cast.mallory, 'POST', `/api/identities/${x9}/sponsorship`, { reason: 'my accomplice' })).status, 201);
    await refused(cast.mallory, 'POST', `/api/identities/${x9}/proofing`, proofing(), 'MUSTER_ERR_SEPARATION_OF_DUTIES', 'sponsor-not-registrar', 'separation_of_duties.refused');
    assert.equal((await call(cast.registrar, 'POST', `/api/identities/${x9}/proofing`, proofing())).status, 201, 'a real registrar proofs X9');
    await refused(cast.mallory, 'POST', '/api/cards', await cardBody(x9), 'MUSTER_ERR_SEPARATION_OF_DUTIES', 'issuer-not-sponsor', 'credential.refused');
    const cards = await call(cast.auditor, 'GET', `/api/identities/${x9}/credentials`);
    assert.deepEqual(cards.json.items, [], 'no card was issued, so none can be activated');
  });

  test('the same person as sponsor and issuer is refused; three different people issue the card', async () => {
    const e1 = await identityOf('E1');
    assert.equal((await call(cast.vettingFeed, 'POST', '/api/imports/vetting', `${VETTING_HEADER}\nE1,favorable,current,Tier 3,2025-11-01,true\n`, 'text/csv')).status, 200);
    await refused(cast.issuer, 'POST', '/api/cards', await cardBody(e1), 'MUSTER_ERR_CREDENTIAL_REFUSED', 'proofing', 'credential.refused');
    assert.equal((await call(cast.mallory, 'POST', `/api/identities/${e1}/sponsorship`, { reason: 'new hire' })).status, 201);
    assert.equal((await call(cast.registrar, 'POST', `/api/identities/${e1}/proofing`, proofing())).status, 201);
    await refused(cast.mallory, 'POST', '/api/cards', await cardBody(e1), 'MUSTER_ERR_SEPARATION_OF_DUTIES', 'issuer-not-sponsor', 'credential.refused');
    assert.equal((await call(cast.sponsor, 'POST', `/api/identities/${e1}/sponsorship`, { reason: 'new hire, sponsored by the manager' })).status, 201);
    const issued = await call(cast.issuer, 'POST', '/api/cards', await cardBody(e1));
    assert.equal(issued.status, 201, JSON.stringify(issued.json));
    const shown = await call(cast.auditor, 'GET', `/api/credentials/${issued.json.card.credentialId}`);
    assert.equal(shown.json.credential.status, 'issued');
  });

  test('a redirect-URI rewrite waits for a second federation admin: the proposer cannot confirm it, another can', async () => {
    const rewritten = exampleAgreement({ relyingParties: [exampleRp({ redirectUris: ['https://attacker.example/cb'] })] });
    const proposed = await call(cast.mallory, 'PUT', AGREEMENT, { document: rewritten, reason: 'moved' });
    assert.equal(proposed.status, 202, JSON.stringify(proposed.json));
    const pending = proposed.json.pendingAction;
    assert.deepEqual([pending.status, pending.requiredRole, pending.payload.changed], ['pending', 'federation-admin', ['relyingParties[benefits-portal].redirectUris']]);
    const inForce = async () => (await call(cast.fedAdmin, 'GET', AGREEMENT)).json.agreement.document.relyingParties[0].redirectUris;
    assert.deepEqual(await inForce(), ['https://benefits.agency.example/callback'], 'nothing changed yet');
    const listed = await call(cast.auditor, 'GET', '/api/pending-actions?status=pending');
    assert.ok(
      listed.json.items.some((a: any) => a.id === pending.id),
      'the proposal is visible',
    );
    await refused(cast.mallory, 'POST', `/api/pending-actions/${pending.id}/confirm`, { reason: 'fine' }, 'MUSTER_ERR_SEPARATION_OF_DUTIES', 'second-person', 'pending_action.refused');
    assert.deepEqual(await inForce(), ['https://benefits.agency.example/callback'], 'still nothing changed');
    const confirmed = await call(cast.fedAdmin, 'POST', `/api/pending-actions/${pending.id}/confirm`, { reason: 'checked with the RP owner' });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json));
    assert.equal(confirmed.json.pendingAction.status, 'confirmed');
    assert.deepEqual(await inForce(), ['https://attacker.example/cb'], 'in force once a second federation admin confirmed');
    const plain = await call(cast.mallory, 'PUT', AGREEMENT, {
      document: exampleAgreement({ description: 'reworded', relyingParties: [exampleRp({ redirectUris: ['https://attacker.example/cb'] })] }),
      reason: 'wording',
    });
    assert.equal(plain.status, 201, 'other edits stay one-person');
  });

  test('the uploader of a held mass termination cannot confirm it; another source admin can', async () => {
    clock.advance(3_600_000);
    const held = await call(cast.mallory, 'POST', '/api/imports/hr?fileName=truncated.csv', hrCsv([hrLine('E1')]), 'text/csv');
    assert.equal(held.status, 202, JSON.stringify(held.json));
    await refused(cast.mallory, 'POST', `/api/imports/${held.json.run.id}/confirm`, {}, 'MUSTER_ERR_SEPARATION_OF_DUTIES', 'second-person', 'import.confirm_refused');
    assert.equal((await call(cast.auditor, 'GET', `/api/imports/${held.json.run.id}`)).json.run.status, 'held', 'nothing was applied');
    const confirmed = await call(cast.sourceAdmin, 'POST', `/api/imports/${held.json.run.id}/confirm`, {});
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json));
    assert.equal(confirmed.json.run.status, 'applied');
  });
});

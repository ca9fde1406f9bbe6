import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { listAuditEntries } from '../../audit/queries.ts';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { createHttpApp } from '../../http/app.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { createJobWorker } from '../../runtime/workers.ts';
import { CatalogueService } from '../catalogue/index.ts';
import { RequestService } from './requests.ts';
import { sweepRequests } from './sweep.ts';

const LDAP_TARGET = { kind: 'ldap', url: 'ldap://127.0.0.1:1', bindDn: 'cn=a', bindPassword: 'x', usersDn: 'ou=people,dc=x', groupsDn: 'ou=groups,dc=x' };
const HOUR = 3_600_000;

describeEachStore('access requests: chains, timeouts, movers and conditions', (factory) => {
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  let ctx: Muster;
  let requests: RequestService;
  let feed: string;
  const ids: Record<string, string> = {};
  const by = (who: string) => ({ identityId: ids[who] as string, actor: `operator:${ids[who]}`, correlationId: `test-${who}` });
  const until = (days: number) => new Date(clock.now().getTime() + days * 86_400_000);
  const item = (over: Record<string, unknown>) => ({ kind: 'group', target: 'ldap', group: 'g', description: 'd', owners: [ids.O1], privileged: false, maxDays: 30, approvals: ['owner'], ...over });
  const importHr = async (lines: string[]) => {
    const res = await createHttpApp(ctx).request('/api/imports/hr', { method: 'POST', headers: { authorization: `Bearer ${feed}`, 'content-type': 'text/csv' }, body: hrCsv(lines) });
    assert.equal(res.status, 200, await res.text());
  };
  const people = (over: Record<string, Record<string, string>> = {}) => [
    hrLine('E1', over.E1),
    hrLine('E2', { manager: 'E1', ...over.E2 }),
    hrLine('E3', { manager: 'E1', department: 'Legal', ...over.E3 }),
    hrLine('E4', { manager: 'E5', ...over.E4 }),
    hrLine('E5', over.E5),
    hrLine('E6', over.E6),
    hrLine('E7', { manager: 'E4', ...over.E7 }),
  ];
  const recompute = async () => {
    const worker = createJobWorker(ctx, { sweepEveryMs: 0 });
    while ((await worker.runOnce()).claimed > 0);
  };
  const entitlement = async (who: string, group: string) =>
    (await ctx.store.query<{ status: string; reason: string }>('SELECT status, reason FROM entitlements WHERE identity_id = $1 AND entitlement = $2', [ids[who], group]))[0];

  before(async () => {
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', import: { massChangeShare: 1 }, targets: { ldap: LDAP_TARGET } } }), { store: await factory.open(), clock });
    feed = (await testOperator(ctx, ['source-feed:hr'])).token;
    await importHr(people());
    for (const [key, name] of [
      ['E1', 'E1'],
      ['E2', 'E2'],
      ['E3', 'E3'],
      ['E4', 'O1'],
      ['E5', 'O1boss'],
      ['E6', 'O2'],
      ['E7', 'E7'],
    ] as const) {
      const [row] = await ctx.store.query<{ id: string }>(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = $1`, [key]);
      ids[name] = row?.id as string;
    }
    const catalogue = new CatalogueService({ store: ctx.store, audit: ctx.audit, clock, targets: ['ldap'] });
    await catalogue.save('wiki', item({ group: 'wiki', approvals: ['auto'] }), 'test', 'low risk');
    await catalogue.save('payroll', item({ group: 'payroll', owners: [ids.O1, ids.O2], approvals: ['owners:2'] }), 'test', 'two owners');
    await catalogue.save('reports', item({ group: 'reports' }), 'test', 'one owner');
    await catalogue.save('ledger', item({ group: 'ledger', owners: [ids.O2], approvals: ['manager', 'owner'] }), 'test', 'manager then owner');
    await catalogue.save('admins', item({ group: 'admins', privileged: true }), 'test', 'privileged');
    await ctx.policies.save(
      'legal-hold',
      { kind: 'condition', description: 'Legal holds privileged access back', when: [{ attribute: 'department', in: ['Legal'] }], suspend: { privileged: true } },
      'test',
      'a condition',
    );
    requests = new RequestService({ store: ctx.store, audit: ctx.audit, clock, config: ctx.config });
  });
  after(() => ctx.close());

  it('grants a low-risk item at once, as request:<id>', async () => {
    const made = await requests.request({ item: 'wiki', justification: 'docs', endsAt: until(5) }, by('E2'));
    assert.equal(made.status, 'granted');
    await recompute();
    assert.deepEqual(await entitlement('E2', 'wiki'), { status: 'active', reason: `request:${made.id}` });
  });

  it('owners:2 needs two different owners', async () => {
    const made = await requests.request({ item: 'payroll', justification: 'cover', endsAt: until(5) }, by('E2'));
    assert.equal((await requests.decide(made.id, 'approve', 'ok', by('O1'))).status, 'pending');
    await assert.rejects(requests.decide(made.id, 'approve', 'again', by('O1')), /already approved/);
    assert.equal((await requests.decide(made.id, 'approve', 'ok too', by('O2'))).status, 'granted');
  });

  it('refuses an end date past the maximum and a request for someone else than a direct report', async () => {
    await assert.rejects(requests.request({ item: 'reports', justification: 'x', endsAt: until(31) }, by('E2')), (e: any) => e.code === 'MUSTER_ERR_ACCESS_REQUEST' && e.details[0].field === 'endsAt');
    await assert.rejects(requests.request({ item: 'reports', beneficiaryId: ids.E1, justification: 'x', endsAt: until(3) }, by('E2')), (e: any) => e.code === 'MUSTER_ERR_FORBIDDEN');
    const forReport = await requests.request({ item: 'reports', beneficiaryId: ids.E3, justification: 'for my report', endsAt: until(3) }, by('E1'));
    assert.equal(forReport.requesterId, ids.E1);
    assert.equal(forReport.beneficiaryId, ids.E3);
  });

  it('a manager asking for a direct report never decides the manager step: it goes at once to their own manager', async () => {
    const made = await requests.request({ item: 'ledger', beneficiaryId: ids.E7, justification: 'month end', endsAt: until(5) }, by('O1'));
    assert.equal(made.escalatedTo, ids.O1boss);
    await assert.rejects(requests.decide(made.id, 'approve', 'mine', by('O1')), (e: any) => e.code === 'MUSTER_ERR_SEPARATION_OF_DUTIES');
    assert.equal((await requests.decide(made.id, 'approve', 'ok', by('O1boss'))).waitingOn, 'owner');
    assert.equal((await requests.decide(made.id, 'approve', 'ok', by('O2'))).status, 'granted');
  });

  it('an undecided step escalates to the approver’s manager, then expires', async () => {
    const made = await requests.request({ item: 'reports', justification: 'analysis', endsAt: until(20) }, by('E2'));
    clock.advance(73 * HOUR);
    await sweepRequests(ctx);
    const escalated = await requests.get(made.id);
    assert.equal(escalated.escalatedTo, ids.O1boss);
    assert.deepEqual([...escalated.approvers].sort(), [ids.O1, ids.O1boss].sort());
    assert.ok(
      (await requests.inbox(ids.O1boss as string)).some((r) => r.id === made.id),
      "in the manager's inbox",
    );
    clock.advance(73 * HOUR);
    await sweepRequests(ctx);
    assert.equal((await requests.get(made.id)).status, 'expired');
    assert.equal((await listAuditEntries(ctx.store, { action: 'access.escalated' })).length >= 1, true);
  });

  it('privileged access granted by request is held back while a condition policy matches', async () => {
    const made = await requests.request({ item: 'admins', justification: 'on call', endsAt: until(10) }, by('E3'));
    await requests.decide(made.id, 'approve', 'ok', by('O1'));
    await recompute();
    assert.deepEqual(await entitlement('E3', 'admins'), { status: 'suspended', reason: `request:${made.id}` });
  });

  it('a mover keeps requested access only once its owner approves it again', async () => {
    const made = await requests.request({ item: 'reports', justification: 'analysis', endsAt: until(20) }, by('E2'));
    await requests.decide(made.id, 'approve', 'ok', by('O1'));
    await recompute();
    assert.equal((await entitlement('E2', 'reports'))?.status, 'active');
    await importHr(people({ E2: { department: 'Budget' }, E3: { department: 'Budget' } }));
    await recompute();
    assert.equal((await requests.get(made.id)).status, 'reapproval');
    assert.equal(await entitlement('E2', 'reports'), undefined, 'nothing while it waits');
    const waiting = (await requests.inbox(ids.O1 as string)).find((r) => r.id === made.id);
    assert.equal(waiting?.waitingOn, 'owner', "in the owner's inbox");
    assert.equal((await requests.decide(made.id, 'approve', 'still needed', by('O1'))).status, 'granted');
    await recompute();
    assert.equal((await entitlement('E2', 'reports'))?.status, 'active');
  });
});

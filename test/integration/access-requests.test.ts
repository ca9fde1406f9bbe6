// Access requested from the catalogue reaches a real OpenLDAP slapd and a SCIM service once the manager and then the
// owner approve it, never when denied, never by the beneficiary's own approval, and leaves both at its end date.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { listAuditEntries } from '../../src/audit/queries.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ManualClock } from '../../src/core/clock.ts';
import type { Connector } from '../../src/connectors/accounts/port.ts';
import { createHttpApp } from '../../src/http/app.ts';
import type { MusterApp } from '../../src/http/env.ts';
import { testOperator } from '../../src/operators/test-operators.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { createProvisioningWorker } from '../../src/runtime/provisioning.ts';
import { createJobWorker } from '../../src/runtime/workers.ts';
import { hrCsv, hrLine } from '../support/muster.ts';
import { type ScimService, startScimService } from '../support/scim-service.ts';
import { type SlapdInstance, slapdSkip, startSlapd } from '../support/slapd.ts';
import { describeEachStore } from '../support/stores.ts';

describeEachStore('access requests against slapd and a SCIM service', (factory) => {
  const skip = slapdSkip();
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  let slapd: SlapdInstance;
  let portal: ScimService;
  let muster: Muster;
  let app: MusterApp;
  let connectors: ReadonlyMap<string, Connector>;
  let settle: () => Promise<void>;
  let sweep: () => Promise<void>;
  const people: Record<string, { id: string; token: string }> = {};

  const call = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${people[who]?.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const groupsIn = async (target: string, who: string): Promise<string[]> => {
    const [row] = await muster.store.query<{ account_ref: string }>('SELECT account_ref FROM accounts WHERE identity_id = $1 AND target = $2', [people[who]?.id, target]);
    if (!row) return [];
    // the groups' own member values (findAccount), not memberOf, which can fall short after concurrent group changes
    const found = await (connectors.get(target) as Connector).findAccount(row.account_ref);
    return found?.enabled ? [...found.groups].sort() : [];
  };
  const item = (target: string, group: string, owners: string[], approvals: string[]) => ({
    kind: 'group',
    target,
    group,
    description: `${group} in ${target}`,
    owners,
    privileged: target === 'directory',
    maxDays: 30,
    approvals,
  });
  const until = (days: number) => new Date(clock.now().getTime() + days * 86_400_000).toISOString();

  before(async () => {
    if (skip) return;
    [slapd, portal] = await Promise.all([startSlapd(), startScimService()]);
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: ':memory:',
        import: { massChangeShare: 1 },
        targets: { directory: { kind: 'ldap', ...slapd.options }, portal: { kind: 'scim', baseUrl: portal.baseUrl, auth: { type: 'bearer', token: portal.token } } },
      },
    });
    muster = await startMuster(config, { store: await factory.open(), clock });
    app = createHttpApp(muster);
    const jobs = createJobWorker(muster, { batchSize: 200, sweepEveryMs: 0 });
    const provisioning = createProvisioningWorker(muster);
    connectors = provisioning.connectors;
    settle = async () => {
      for (;;) if ((await jobs.runOnce()).claimed + (await provisioning.worker.runOnce()) === 0) return;
    };
    sweep = async () => {
      const { sweepRequests } = await import('../../src/governance/index.ts');
      await sweepRequests(muster);
      await settle();
    };
    const feed = await testOperator(muster, ['source-feed:hr']);
    const imported = await app.request('/api/imports/hr', {
      method: 'POST',
      headers: { authorization: feed.bearer, 'content-type': 'text/csv' },
      body: hrCsv([hrLine('E1'), hrLine('E2', { manager: 'E1' }), hrLine('E3'), hrLine('E4', { manager: 'E1' })]),
    });
    assert.equal(imported.status, 200, await imported.text());
    for (const name of ['E1', 'E2', 'E3', 'E4']) {
      const [row] = await muster.store.query<{ id: string }>(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = $1`, [name]);
      const op = await testOperator(muster, name === 'E1' ? ['policy-admin'] : ['helpdesk'], { identityId: row?.id as string });
      people[name] = { id: row?.id as string, token: op.token };
    }
    const owner = people.E3?.id as string;
    for (const [name, doc] of [
      ['ops-admins', item('directory', 'ops-admins', [owner], ['manager', 'owner'])],
      ['portal-finance', item('portal', 'finance', [owner], ['manager', 'owner'])],
      ['portal-payroll', item('portal', 'payroll', [owner], ['manager', 'owner'])],
    ] as const) {
      const saved = await call('E1', 'PUT', `/api/catalogue/${name}`, { document: doc, reason: 'offered' });
      assert.equal(saved.status, 201, JSON.stringify(saved.body));
    }
    await settle();
  });

  after(async () => {
    if (skip) return;
    for (const c of connectors?.values() ?? []) await c.close();
    await muster?.close();
    await Promise.all([slapd?.stop(), portal?.stop()]);
  });

  test('a request approved by the manager and then the owner reaches both targets, granted as request:<id>', { skip }, async () => {
    const ids: string[] = [];
    for (const item of ['ops-admins', 'portal-finance']) {
      const made = await call('E2', 'POST', '/api/access/requests', { item, justification: 'quarter close', endsAt: until(10) });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.equal(made.body.request.waitingOn, 'manager');
      ids.push(made.body.request.id);
    }
    assert.deepEqual((await call('E3', 'GET', '/api/access/approvals')).body.items, [], 'the owner is not asked before the manager');
    assert.deepEqual((await call('E1', 'GET', '/api/access/approvals')).body.items.map((r: any) => r.id).sort(), [...ids].sort());
    for (const id of ids) {
      const byManager = await call('E1', 'POST', `/api/access/requests/${id}/approve`, { reason: 'needed for the close' });
      assert.equal(byManager.body.request.waitingOn, 'owner');
    }
    await settle();
    assert.deepEqual(await groupsIn('directory', 'E2'), [], 'nothing before the owner approves');
    for (const id of ids) assert.equal((await call('E3', 'POST', `/api/access/requests/${id}/approve`, { reason: 'ok' })).body.request.status, 'granted');
    await settle();
    assert.deepEqual(await groupsIn('directory', 'E2'), ['ops-admins']);
    assert.deepEqual(await groupsIn('portal', 'E2'), ['finance']);
    const reasons = await muster.store.query<{ entitlement: string; reason: string }>('SELECT entitlement, reason FROM entitlements WHERE identity_id = $1 ORDER BY entitlement', [people.E2?.id]);
    assert.deepEqual(
      reasons.map((r) => [r.entitlement, r.reason]),
      [
        ['finance', `request:${ids[1]}`],
        ['ops-admins', `request:${ids[0]}`],
      ],
    );
  });

  test('a denied request never reaches the target', { skip }, async () => {
    const made = await call('E4', 'POST', '/api/access/requests', { item: 'portal-payroll', justification: 'curious', endsAt: until(5) });
    const denied = await call('E1', 'POST', `/api/access/requests/${made.body.request.id}/deny`, { reason: 'not your job' });
    assert.equal(denied.body.request.status, 'denied');
    assert.equal((await call('E3', 'POST', `/api/access/requests/${made.body.request.id}/approve`, { reason: 'late' })).status, 409);
    await settle();
    assert.deepEqual(await groupsIn('portal', 'E4'), []);
  });

  test('the beneficiary approving their own request is refused 403 naming the rule, and audited', { skip }, async () => {
    const made = await call('E1', 'POST', '/api/access/requests', { item: 'portal-payroll', beneficiaryId: people.E4?.id, justification: 'payroll cover', endsAt: until(5) });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const own = await call('E4', 'POST', `/api/access/requests/${made.body.request.id}/approve`, { reason: 'trust me' });
    assert.equal(own.status, 403);
    assert.equal(own.body.error.code, 'MUSTER_ERR_SEPARATION_OF_DUTIES');
    assert.match(own.body.error.details[0].message, /never the beneficiary/);
    const asRequester = await call('E1', 'POST', `/api/access/requests/${made.body.request.id}/approve`, { reason: 'my own request' });
    assert.equal(asRequester.status, 403);
    assert.match(asRequester.body.error.details[0].message, /never the requester/);
    const refused = await listAuditEntries(muster.store, { action: 'access.decision-refused' });
    assert.equal(refused.length, 2);
    const notMine = await call('E3', 'POST', '/api/access/requests', { item: 'portal-payroll', beneficiaryId: people.E2?.id, justification: 'x', endsAt: until(5) });
    assert.equal(notMine.status, 403, 'only a manager requests for someone else');
  });

  test('the access leaves both targets at its end date', { skip }, async () => {
    clock.advance(11 * 86_400_000);
    await sweep();
    assert.deepEqual(await groupsIn('directory', 'E2'), []);
    assert.deepEqual(await groupsIn('portal', 'E2'), []);
    const ended = await muster.store.query<{ status: string }>(`SELECT status FROM access_requests WHERE beneficiary_id = $1 AND item IN ('ops-admins', 'portal-finance')`, [people.E2?.id]);
    assert.deepEqual(
      ended.map((r) => r.status),
      ['ended', 'ended'],
    );
  });
});

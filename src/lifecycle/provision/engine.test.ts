import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../../test/support/muster.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { MemoryConnector } from '../../connectors/accounts/memory.ts';
import { MusterError } from '../../core/errors.ts';
import { dryRunAccess } from '../access/dry-run.ts';
import { PolicyService } from '../access/policies.ts';
import { accessTargets } from '../access/targets.ts';
import { accessWorker, count, identityByKey } from '../test-fixtures.ts';
import { queueTrainingExpiry } from '../access/training-expiry.ts';
import { ProvisioningWorker } from './worker.ts';

const TARGETS = accessTargets([
  { name: 'dir', accountKey: ['employee_id'] },
  { name: 'app', accountKey: ['email'] },
]);

const POLICIES: Record<string, unknown> = {
  everyone: { kind: 'birthright', description: 'every person has a directory account', when: [{ attribute: 'kind', in: ['person'] }], grants: [{ target: 'dir', groups: [{ name: 'staff' }] }] },
  finance: {
    kind: 'birthright',
    description: 'finance staff use the ledger app',
    when: [{ attribute: 'department', in: ['Finance'] }],
    grants: [
      { target: 'app', groups: [{ name: 'ledger-admin', privileged: true }] },
      { target: 'dir', groups: [{ name: 'finance' }] },
    ],
  },
};

const people = (over: Record<string, Record<string, string>> = {}) => hrCsv(['E1', 'E2', 'E3'].map((id) => hrLine(id, { department: id === 'E3' ? 'Legal' : 'Finance', ...over[id] })));

describeEachStore('provisioning from policies', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  const dir = new MemoryConnector('dir');
  const app = new MemoryConnector('app');
  let provisioning: ProvisioningWorker;
  const settle = async () => {
    await accessWorker(h, TARGETS).runOnce();
    while ((await provisioning.runOnce()) > 0);
  };

  before(async () => {
    provisioning = new ProvisioningWorker({
      store: h.store,
      clock: h.clock,
      audit: h.audit,
      workerId: 'p1',
      batchSize: 50,
      leaseMs: 60_000,
      maxAttempts: 3,
      pollMs: 50,
      targets: new Map([
        ['dir', { connector: dir, concurrency: 4 }],
        ['app', { connector: app, concurrency: 4 }],
      ]),
      backoff: { baseMs: 1000, maxMs: 60_000 },
      breaker: { failures: 2, openMs: 30_000 },
      random: () => 0.5,
    });
    const policies = new PolicyService({ store: h.store, audit: h.audit, clock: h.clock, targets: TARGETS.names });
    for (const [name, doc] of Object.entries(POLICIES)) await policies.save(name, doc, 'alice', 'birthright access');
  });

  test('joiners get birthright accounts and groups in every target the policies name', async () => {
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr0.csv', people()), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    await settle();
    assert.deepEqual(await dir.listEntitlements(), ['finance', 'staff']);
    const e1 = await dir.findAccount('E1');
    assert.deepEqual([e1?.enabled, e1?.groups, e1?.fields.department], [true, ['finance', 'staff'], 'Finance']);
    assert.deepEqual((await dir.findAccount('E3'))?.groups, ['staff']);
    assert.deepEqual((await app.findAccount('given1.family1@demo.gov'))?.groups, ['ledger-admin']);
    assert.equal(await app.findAccount('given3.family3@demo.gov'), null, 'Legal has no ledger');
    const [row] = await h.store.query<{ synced_version: number; desired_version: number; remote_id: string }>(
      `SELECT synced_version, desired_version, remote_id FROM accounts WHERE target = 'dir' AND account_ref = 'E1'`,
    );
    assert.equal(row?.synced_version, row?.desired_version);
    assert.equal(row?.remote_id, e1?.id);
  });

  test('the dry run predicts exactly what a mover and a leaver do', async () => {
    h.clock.advance(86_400_000);
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr1.csv', people({ E1: { department: 'Legal' }, E2: { status: 'terminated' } })), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    const e1 = (await identityByKey(h.store, 'employee_id', 'E1')).id;
    const e2 = (await identityByKey(h.store, 'employee_id', 'E2')).id;
    const dry = await dryRunAccess(h.store, TARGETS, h.clock.now());
    const plan = (id: string) => dry.changes.find((c) => c.identityId === id)?.change;
    assert.deepEqual(
      plan(e1)?.accounts.map((a) => `${a.action} ${a.target}`),
      ['disable app', 'update dir'],
    );
    assert.deepEqual(
      plan(e1)
        ?.removed.map((r) => `${r.target}/${r.group}`)
        .sort(),
      ['app/ledger-admin', 'dir/finance'],
    );
    assert.deepEqual(
      plan(e2)?.accounts.map((a) => `${a.action} ${a.target}`),
      ['disable app', 'disable dir'],
    );
    assert.equal(dry.changes.length, 2);
    const calls = [dir.calls.length, app.calls.length];
    await settle();
    assert.deepEqual(dir.calls.slice(calls[0]).sort(), ['disable E2', 'remove E1 finance', 'remove E2 finance', 'remove E2 staff', 'update E1']);
    assert.deepEqual(app.calls.slice(calls[1]).sort(), [
      'disable given1.family1@demo.gov',
      'disable given2.family2@demo.gov',
      'remove given1.family1@demo.gov ledger-admin',
      'remove given2.family2@demo.gov ledger-admin',
    ]);
    assert.equal((await dryRunAccess(h.store, TARGETS, h.clock.now())).changes.length, 0, 'nothing left to do');
    const removed = await h.store.query<{ data: { removed: { entitlement: string; reason: string }[] } }>(`SELECT data FROM audit_log WHERE action = 'privilege.removed' AND target = $1`, [e1]);
    assert.deepEqual(removed[0]?.data.removed.map((r) => r.entitlement).sort(), ['finance', 'ledger-admin']);
    assert.match(removed[0]?.data.removed[0]?.reason ?? '', /identity\.mover: no longer justified by finance/);
  });

  test('replaying every operation changes nothing in the targets', async () => {
    const calls = [dir.calls.length, app.calls.length];
    await h.store.query(`UPDATE provisioning_ops SET status = 'pending', attempts = 0 WHERE id IN (SELECT max(id) FROM provisioning_ops GROUP BY target, identity_id)`);
    await settle();
    assert.deepEqual([dir.calls.length, app.calls.length], calls);
  });

  test('a target that is down opens its circuit, spends no attempts, and catches up when it returns', async () => {
    dir.failWith = new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', 'connection refused');
    h.clock.advance(86_400_000);
    const run = await h.imports.run({
      source: 'hr',
      file: await h.file('hr2.csv', people({ E1: { department: 'Legal' }, E2: { status: 'terminated' }, E3: { status: 'terminated' } })),
      actor: 'alice',
    });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    await settle();
    for (let minute = 0; minute < 60; minute++) {
      h.clock.advance(60_000);
      await provisioning.runOnce();
    }
    assert.equal(provisioning.breaker('dir')?.state(h.clock.now().getTime()), 'open');
    const [op] = await h.store.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM provisioning_ops WHERE target = 'dir' ORDER BY id DESC LIMIT 1`);
    assert.deepEqual([op?.status, op?.attempts], ['pending', 0], 'an hour down dead-letters nothing');
    dir.failWith = null;
    h.clock.advance(60_000);
    await settle();
    assert.equal((await dir.findAccount('E3'))?.enabled, false);
    assert.equal(provisioning.breaker('dir')?.state(h.clock.now().getTime()), 'closed');
  });

  test('a refusal is retried with back-off, then dead-lettered and audited', async () => {
    app.failWith = new MusterError('MUSTER_ERR_TARGET_REFUSED', 'schema violation');
    h.clock.advance(86_400_000);
    const run = await h.imports.run({
      source: 'hr',
      file: await h.file('hr3.csv', `${people({ E1: { department: 'Legal' }, E2: { status: 'terminated' }, E3: { status: 'terminated' } }).trimEnd()}\n${hrLine('E4')}\n`),
      actor: 'alice',
    });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    for (let i = 0; i < 5; i++) {
      await settle();
      h.clock.advance(120_000);
    }
    assert.equal(await count(h.store, `provisioning_ops WHERE target = 'app' AND status = 'dead'`), 1);
    assert.equal(await count(h.store, `audit_log WHERE action = 'provision.dead'`), 1);
    app.failWith = null;
  });

  test('training that expires by the calendar holds privileged entitlements back, with no feed saying so', async () => {
    const policies = new PolicyService({ store: h.store, audit: h.audit, clock: h.clock, targets: TARGETS.names });
    await policies.save(
      'training-gate',
      { kind: 'condition', description: 'no privileges on expired training', when: [{ attribute: 'behave:Cyber Awareness', in: ['expired'] }], suspend: { privileged: true } },
      'alice',
      'training rule',
    );
    const hr = `${people({ E1: { department: 'Legal' }, E2: { status: 'terminated' }, E3: { status: 'terminated' } }).trimEnd()}\n${hrLine('E4')}\n${hrLine('E5')}\n`;
    assert.equal((await h.imports.run({ source: 'hr', file: await h.file('hr4.csv', hr), actor: 'alice' })).status, 'applied');
    const training = 'employee_id,course,status,completed,expires\nE5,Cyber Awareness,complete,2026-01-01,2026-03-08\n';
    const run = await h.imports.run({ source: 'training', file: await h.file('training.csv', training), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    await settle();
    assert.deepEqual((await app.findAccount('given5.family5@demo.gov'))?.groups, ['ledger-admin']);
    h.clock.advance(4 * 86_400_000);
    assert.equal(await queueTrainingExpiry(h.store, h.clock.now()), 1);
    assert.equal(await queueTrainingExpiry(h.store, h.clock.now()), 0, 'once a day per identity');
    await settle();
    assert.deepEqual((await app.findAccount('given5.family5@demo.gov'))?.groups, [], 'held back');
    const e5 = (await identityByKey(h.store, 'employee_id', 'E5')).id;
    assert.equal(await count(h.store, `entitlements WHERE identity_id = $1 AND status = 'suspended'`, [e5]), 1);
  });

  test('a rehire under a new employee number and an email change rename the accounts, which keep their ids and links', async () => {
    h.clock.advance(86_400_000);
    const e2 = (await identityByKey(h.store, 'employee_id', 'E2')).id;
    const e5 = (await identityByKey(h.store, 'employee_id', 'E5')).id;
    const ids = { dir: (await dir.findAccount('E2'))?.id, app: (await app.findAccount('given5.family5@demo.gov'))?.id };
    assert.ok(ids.dir && ids.app);
    const calls = [dir.calls.length, app.calls.length];
    // E2 comes back as E22 (the same email links the same person); E5's email changes
    const lines = [
      hrLine('E1', { department: 'Legal' }),
      hrLine('E3', { status: 'terminated', department: 'Legal' }),
      hrLine('E4'),
      hrLine('E5', { email: 'pat.five@demo.gov' }),
      hrLine('E22', { given_name: 'Given2', family_name: 'Family2', email: 'given2.family2@demo.gov' }),
    ];
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr5.csv', hrCsv(lines)), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    assert.equal((await identityByKey(h.store, 'employee_id', 'E22')).id, e2, 'the rehire is the same identity');
    const dry = await dryRunAccess(h.store, TARGETS, h.clock.now());
    assert.deepEqual(
      dry.changes.find((c) => c.identityId === e2)?.change.accounts.map((a) => `${a.action} ${a.target} ${a.previousKey ?? ''}>${a.key}`),
      ['enable app >given2.family2@demo.gov', 'enable dir E2>E22'],
    );
    await settle();
    assert.equal(await dir.findAccount('E2'), null, 'the old login is gone');
    const e22 = await dir.findAccount('E22');
    assert.deepEqual([e22?.id, e22?.enabled, e22?.correlationId, e22?.groups], [ids.dir, true, e2, ['finance', 'staff']]);
    assert.equal(await app.findAccount('given5.family5@demo.gov'), null);
    const five = await app.findAccount('pat.five@demo.gov');
    assert.deepEqual([five?.id, five?.correlationId, five?.fields.email], [ids.app, e5, 'pat.five@demo.gov']);
    assert.ok(!dir.calls.slice(calls[0]).some((c) => c.startsWith('create')) && !app.calls.slice(calls[1]).some((c) => c.startsWith('create')), 'no second account');
    assert.ok(dir.calls.includes('rename E2 E22') && app.calls.includes('rename given5.family5@demo.gov pat.five@demo.gov'));
    const rows = await h.store.query<{ identity_id: string; target: string; account_ref: string; remote_id: string; synced_version: number; desired_version: number }>(
      `SELECT identity_id, target, account_ref, remote_id, synced_version, desired_version FROM accounts WHERE identity_id = ANY($1::uuid[]) ORDER BY account_ref`,
      [[e2, e5]],
    );
    assert.deepEqual(
      rows.map((r) => [r.target, r.account_ref, r.remote_id, r.synced_version === r.desired_version]),
      [
        ['dir', 'E22', ids.dir, true],
        ['dir', 'E5', (await dir.findAccount('E5'))?.id, true],
        ['app', 'given2.family2@demo.gov', (await app.findAccount('given2.family2@demo.gov'))?.id, true],
        ['app', 'pat.five@demo.gov', ids.app, true],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    assert.equal((await dryRunAccess(h.store, TARGETS, h.clock.now())).changes.length, 0, 'nothing left to do');
    const renames = await h.store.query<{ reason: string }>(`SELECT reason FROM audit_log WHERE action = 'provision.applied' AND target = $1 ORDER BY seq DESC LIMIT 2`, [e2]);
    assert.ok(
      renames.some((r) => r.reason.startsWith('dir: rename')),
      JSON.stringify(renames),
    );
  });
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../../test/support/muster.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { MemoryConnector } from '../../connectors/accounts/memory.ts';
import { isMusterError } from '../../core/errors.ts';
import { PolicyService } from '../access/policies.ts';
import { accessTargets } from '../access/targets.ts';
import { ProvisioningWorker } from '../provision/worker.ts';
import { accessWorker, count, identityByKey } from '../test-fixtures.ts';
import { archiveLeavers, archiveOrphans, listFindings, orphanReport, reconcileTarget, type ReconcileOptions, type RunCounts } from './index.ts';

const TARGETS = accessTargets([{ name: 'dir', accountKey: ['employee_id'] }]);
const DAY = 86_400_000;

const POLICIES: Record<string, unknown> = {
  staff: {
    kind: 'birthright',
    description: 'finance and legal staff use the directory',
    when: [{ attribute: 'department', in: ['Finance', 'Legal'] }],
    grants: [{ target: 'dir', groups: [{ name: 'staff' }] }],
  },
  admins: {
    kind: 'birthright',
    description: 'finance administers the directory',
    when: [{ attribute: 'department', in: ['Finance'] }],
    grants: [{ target: 'dir', groups: [{ name: 'dir-admins', privileged: true }] }],
  },
};

/** E1, E2 Finance; E3, E4 Legal; E5 Facilities (no directory account). */
const people = (over: Record<string, Record<string, string>> = {}) =>
  hrCsv(['E1', 'E2', 'E3', 'E4', 'E5'].map((id) => hrLine(id, { department: { E1: 'Finance', E2: 'Finance', E5: 'Facilities' }[id] ?? 'Legal', ...over[id] })));

const spec = (key: string, correlationId = '') => ({ key, correlationId, enabled: true, fields: { displayName: `Planted ${key}` } });

describeEachStore('reconciliation', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  const dir = new MemoryConnector('dir');
  let provisioning: ProvisioningWorker;
  const settle = async () => {
    await accessWorker(h, TARGETS).runOnce();
    while ((await provisioning.runOnce()) > 0);
  };
  const reconcile = (over: Partial<ReconcileOptions> = {}) => {
    h.clock.advance(60_000);
    return reconcileTarget({ store: h.store, audit: h.audit, clock: h.clock }, dir, { target: 'dir', accountKey: ['employee_id'], orphanAction: 'disable', actor: 'alice', pageSize: 3, ...over });
  };
  const ids: Record<string, string> = {};

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
      targets: new Map([['dir', { connector: dir, concurrency: 2 }]]),
      backoff: { baseMs: 1000, maxMs: 60_000 },
      breaker: { failures: 2, openMs: 30_000 },
      random: () => 0.5,
    });
    const policies = new PolicyService({ store: h.store, audit: h.audit, clock: h.clock, targets: TARGETS.names });
    for (const [name, doc] of Object.entries(POLICIES)) await policies.save(name, doc, 'alice', 'birthright access');
    const hired = await h.imports.run({ source: 'hr', file: await h.file('hr0.csv', people()), actor: 'alice' });
    assert.equal(hired.status, 'applied', JSON.stringify(hired.errors));
    await settle();
    h.clock.advance(DAY);
    const left = await h.imports.run({ source: 'hr', file: await h.file('hr1.csv', people({ E2: { status: 'terminated' } })), actor: 'alice' });
    assert.equal(left.status, 'applied', JSON.stringify(left.errors));
    await settle();
    for (const key of ['E1', 'E2', 'E3', 'E4', 'E5']) ids[key] = (await identityByKey(h.store, 'employee_id', key)).id;
    // behind muster's back: the leaver's account enabled again, E4's deleted, and accounts planted
    await dir.enableAccount((await dir.findAccount('E2'))?.id as string);
    await dir.deleteAccount((await dir.findAccount('E4'))?.id as string);
    dir.plant(spec('ghost-admin'), ['dir-admins', 'staff']);
    dir.plant(spec('ghost'), ['staff']);
    dir.plant(spec('e5-manual', ids.E5), ['staff']);
    dir.plant(spec('E5', ids.E1));
  });

  test('correlates every account: drift, a link, a dispute, orphans disabled, a deletion', async () => {
    const run = await reconcile();
    assert.equal(run.status, 'done');
    assert.deepEqual(run.counts, {
      accounts: 7,
      linked: 3,
      unlinked: 1,
      unmatched: 2,
      disputed: 1,
      deleted: 1,
      drift: 1,
      memberships: 0,
      membershipsRemoved: 0,
      privileged: 1,
      disabled: 2,
      failed: 0,
    } satisfies RunCounts);
    const findings = await listFindings(h.store, run.id);
    assert.deepEqual(
      findings.map((f) => `${f.situation} ${f.accountRef}`),
      ['unmatched ghost-admin', 'deleted E4', 'disputed E5', 'linked E2', 'unlinked e5-manual', 'unmatched ghost'],
    );
    assert.deepEqual(findings.find((f) => f.situation === 'disputed')?.candidates.toSorted(), [ids.E1, ids.E5].toSorted());

    const [e2] = await h.store.query<{ drift: boolean; synced: unknown }>(`SELECT drift, synced FROM accounts WHERE target = 'dir' AND account_ref = 'E2'`);
    assert.deepEqual(e2, { drift: true, synced: null });
    const pending = await h.store.query<{ identity_id: string }>(`SELECT identity_id FROM provisioning_ops WHERE status = 'pending' ORDER BY identity_id`);
    assert.deepEqual(
      pending.map((p) => p.identity_id),
      [ids.E2, ids.E4].toSorted(),
      'the drifted account to disable, the deleted one to re-create',
    );
    const [linked] = await h.store.query<{ identity_id: string; status: string; remote_id: string }>(`SELECT identity_id, status, remote_id FROM accounts WHERE account_ref = 'e5-manual'`);
    assert.deepEqual(linked, { identity_id: ids.E5, status: 'enabled', remote_id: (await dir.findAccount('e5-manual'))?.id });
    assert.equal(await count(h.store, `jobs WHERE kind = 'access.recompute' AND status = 'pending' AND payload ->> 'identityId' = $1`, [ids.E5]), 1);

    assert.deepEqual([(await dir.findAccount('ghost'))?.enabled, (await dir.findAccount('ghost-admin'))?.enabled], [false, false]);
    assert.equal(await count(h.store, `audit_log WHERE action = 'reconciliation.orphan-disabled'`), 2);
    for (const action of ['reconciliation.drift', 'reconciliation.linked', 'reconciliation.deleted', 'reconciliation.finished']) {
      assert.equal(await count(h.store, 'audit_log WHERE action = $1', [action]), 1, action);
    }
    const orphans = await orphanReport(h.store, { target: 'dir' });
    assert.deepEqual(
      orphans.map((o) => [o.accountRef, o.status, o.privileged]),
      [
        ['ghost-admin', 'disabled', true],
        ['ghost', 'disabled', false],
      ],
    );
    assert.deepEqual(orphans[0]?.groups, ['dir-admins', 'staff']);
  });

  test('a second run changes nothing more: no rows, operations, jobs or audit entries besides its own', async () => {
    const before = { accounts: await count(h.store, 'accounts'), ops: await count(h.store, 'provisioning_ops'), jobs: await count(h.store, 'jobs'), audit: await count(h.store, 'audit_log') };
    const run = await reconcile();
    assert.deepEqual(run.counts, {
      accounts: 7,
      linked: 4,
      unlinked: 0,
      unmatched: 2,
      disputed: 1,
      deleted: 0,
      drift: 1,
      memberships: 0,
      membershipsRemoved: 0,
      privileged: 1,
      disabled: 0,
      failed: 0,
    } satisfies RunCounts);
    const after = { accounts: await count(h.store, 'accounts'), ops: await count(h.store, 'provisioning_ops'), jobs: await count(h.store, 'jobs'), audit: await count(h.store, 'audit_log') };
    assert.deepEqual(after, { ...before, audit: before.audit + 1 }, 'only reconciliation.finished');
  });

  test('the engine then disables the drifted and the unjustified accounts and re-creates the deleted one; runs agree from there on', async () => {
    await settle();
    assert.equal((await dir.findAccount('E2'))?.enabled, false, 'drift undone');
    assert.equal((await dir.findAccount('e5-manual'))?.enabled, false, 'no policy gives Facilities a directory account');
    assert.equal((await dir.findAccount('E4'))?.enabled, true, 're-created');
    const first = await reconcile();
    const again = await reconcile();
    assert.deepEqual(first.counts, {
      accounts: 8,
      linked: 5,
      unlinked: 0,
      unmatched: 2,
      disputed: 1,
      deleted: 0,
      drift: 0,
      memberships: 0,
      membershipsRemoved: 0,
      privileged: 1,
      disabled: 0,
      failed: 0,
    } satisfies RunCounts);
    assert.deepEqual(again.counts, first.counts);
    assert.equal(await count(h.store, 'accounts WHERE drift'), 0, 'the drift flag is cleared');
    assert.equal(await count(h.store, `accounts WHERE target = 'dir'`), 7, 'no duplicate rows');
  });

  test('disabled orphans are archived after orphans.archiveAfterDays, leavers after archiveAfterDays', async () => {
    const deps = { store: h.store, audit: h.audit, clock: h.clock };
    assert.equal(await archiveOrphans(deps, { afterDays: 30 }), 0);
    h.clock.advance(31 * DAY);
    assert.equal(await archiveOrphans(deps, { afterDays: 30 }), 2);
    assert.equal(await archiveLeavers(deps, { afterDays: 90 }), 0);
    assert.deepEqual(await orphanReport(h.store), []);
    assert.equal(await count(h.store, `accounts WHERE identity_id IS NULL AND status = 'archived' AND archived_at IS NOT NULL`), 2);
    h.clock.advance(60 * DAY);
    assert.equal(await archiveLeavers(deps, { afterDays: 90 }), 1, "E2's account; E5 is disabled but no leaver");
    const [e2] = await h.store.query<{ status: string }>(`SELECT status FROM accounts WHERE identity_id = $1`, [ids.E2]);
    assert.equal(e2?.status, 'archived');
    assert.equal(await count(h.store, `audit_log WHERE action = 'reconciliation.orphan-archived'`), 2);
    assert.equal(await count(h.store, `audit_log WHERE action = 'account.archived'`), 1);
    const run = await reconcile();
    assert.deepEqual([run.counts.unmatched, run.counts.linked, run.counts.drift], [2, 5, 0], 'archived accounts still listed are still found, and not revived');
    assert.equal(await count(h.store, `accounts WHERE status = 'archived'`), 3);
  });

  test('an orphan report run leaves orphans enabled; a target that cannot list is refused', async () => {
    dir.plant(spec('ghost-2'), ['dir-admins']);
    const run = await reconcile({ orphanAction: 'report' });
    assert.deepEqual([run.counts.unmatched, run.counts.disabled, run.counts.privileged], [3, 0, 2]);
    assert.equal((await dir.findAccount('ghost-2'))?.enabled, true);
    assert.deepEqual(
      (await orphanReport(h.store)).map((o) => [o.accountRef, o.status]),
      [['ghost-2', 'orphan']],
    );
    const blind = Object.assign(Object.create(dir) as MemoryConnector, { capabilities: { ...dir.capabilities, list: false } });
    await assert.rejects(
      reconcileTarget({ store: h.store, audit: h.audit, clock: h.clock }, blind, { target: 'dir', accountKey: ['employee_id'], orphanAction: 'report', actor: 'alice' }),
      (e) => isMusterError(e, 'MUSTER_ERR_CONFLICT') && /cannot list/.test(e.message),
    );
  });

  test('a target failing mid-listing fails the run, recorded and audited', async () => {
    dir.failWith = new Error('connection reset');
    await assert.rejects(reconcile(), /connection reset/);
    dir.failWith = null;
    const [failed] = await h.store.query<{ status: string; error: string }>(`SELECT status, error FROM reconciliation_runs ORDER BY started_at DESC LIMIT 1`);
    assert.deepEqual(failed, { status: 'failed', error: 'connection reset' });
    assert.equal(await count(h.store, `audit_log WHERE action = 'reconciliation.failed'`), 1);
  });

  test('a target that lists nothing while the record holds accounts is not taken as emptied', async () => {
    const empty = new MemoryConnector('dir');
    h.clock.advance(60_000);
    await assert.rejects(
      reconcileTarget({ store: h.store, audit: h.audit, clock: h.clock }, empty, { target: 'dir', accountKey: ['employee_id'], orphanAction: 'disable', actor: 'alice' }),
      (e) => isMusterError(e, 'MUSTER_ERR_CONFLICT') && /listed no accounts while the record holds/.test(e.message),
    );
    assert.equal(await count(h.store, `accounts WHERE target = 'dir' AND remote_id IS NULL AND status <> 'archived'`), 0, 'nothing cleared');
  });

  test('memberships made in the target are reported, each once, and removed under the remove policy; a granted one taken away is given back', async () => {
    const id = async (key: string) => (await dir.findAccount(key))?.id as string;
    await dir.addMember('dir-admins', await id('E3'));
    await dir.addMember('contractors', await id('E3'));
    await dir.removeMember('staff', await id('E4'));
    const reported = await reconcile({ orphanAction: 'report' });
    assert.deepEqual([reported.counts.memberships, reported.counts.membershipsRemoved, reported.counts.drift], [3, 0, 2]);
    const findings = await listFindings(h.store, reported.id, { situation: 'linked' });
    assert.deepEqual(
      findings.map((f) => [f.accountRef, f.drift, f.privileged]),
      [
        ['E3', true, true],
        ['E4', true, false],
      ],
    );
    assert.match(findings[0]?.action ?? '', /contractors, dir-admins.*not granted.*reported/);
    assert.match(findings[1]?.action ?? '', /staff.*missing.*provisioning queued/);
    assert.deepEqual((await dir.findAccount('E3'))?.groups, ['contractors', 'dir-admins', 'staff'], 'report only');
    const drift = await h.store.query<{ data: { account: string; group: string; change: string } }>(`SELECT data FROM audit_log WHERE action = 'reconciliation.membership-drift' ORDER BY seq`);
    assert.deepEqual(
      drift.map((d) => `${d.data.account} ${d.data.change} ${d.data.group}`),
      ['E3 added contractors', 'E3 added dir-admins', 'E4 removed staff'],
    );

    await settle();
    assert.deepEqual((await dir.findAccount('E4'))?.groups, ['staff'], 'given back');
    assert.deepEqual((await dir.findAccount('E3'))?.groups, ['contractors', 'dir-admins', 'staff'], 'provisioning leaves what it did not make');
    const again = await reconcile({ orphanAction: 'report' });
    assert.deepEqual([again.counts.memberships, again.counts.drift], [2, 1]);
    assert.equal(await count(h.store, `audit_log WHERE action = 'reconciliation.membership-drift'`), 3, 'each drift audited once');

    const removed = await reconcile({ orphanAction: 'report', membershipAction: 'remove' });
    assert.deepEqual([removed.counts.memberships, removed.counts.membershipsRemoved], [2, 2]);
    assert.deepEqual((await dir.findAccount('E3'))?.groups, ['staff']);
    const gone = await h.store.query<{ target: string; data: { group: string; privileged: boolean } }>(
      `SELECT target, data FROM audit_log WHERE action = 'reconciliation.membership-removed' ORDER BY seq`,
    );
    assert.deepEqual(
      gone.map((g) => [g.target, g.data.group, g.data.privileged]),
      [
        [ids.E3, 'contractors', false],
        [ids.E3, 'dir-admins', true],
      ],
    );
    const clean = await reconcile({ orphanAction: 'report', membershipAction: 'remove' });
    assert.deepEqual([clean.counts.memberships, clean.counts.membershipsRemoved, clean.counts.drift], [0, 0, 0]);
    assert.equal(await count(h.store, 'accounts WHERE drift'), 0, 'the drift flag is cleared');
  });

  test('an account the record renames is not taken as deleted before provisioning renames it in the target', async () => {
    h.clock.advance(DAY);
    const remoteId = (await dir.findAccount('E2'))?.id;
    const lines = [hrLine('E1', { department: 'Finance' }), hrLine('E3', { department: 'Legal' }), hrLine('E4', { department: 'Legal' }), hrLine('E5', { department: 'Facilities' })];
    const rehired = hrLine('E22', { given_name: 'Given2', family_name: 'Family2', email: 'given2.family2@demo.gov', department: 'Finance' });
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr-rehire.csv', hrCsv([...lines, rehired])), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    await accessWorker(h, TARGETS).runOnce();
    const early = await reconcile({ orphanAction: 'report' });
    assert.equal(early.counts.deleted, 0);
    const [row] = await h.store.query<{ account_ref: string; remote_id: string }>(`SELECT account_ref, remote_id FROM accounts WHERE identity_id = $1`, [ids.E2]);
    assert.deepEqual(row, { account_ref: 'E22', remote_id: remoteId });
    await settle();
    const renamed = await dir.findAccount('E22');
    assert.deepEqual([renamed?.id, renamed?.enabled, renamed?.groups], [remoteId, true, ['dir-admins', 'staff']]);
    assert.equal(await dir.findAccount('E2'), null);
    const after = await reconcile({ orphanAction: 'report' });
    assert.deepEqual([after.counts.deleted, after.counts.drift, after.counts.unmatched, after.counts.disputed], [0, 0, 3, 1], 'the orphans and the dispute of the earlier tests, nothing new');
  });
});

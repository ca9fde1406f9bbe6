// HR churn over several days against a real slapd and a SCIM service: joiners, movers, leavers, an email change,
// a rehire under a new employee number and a person absent from one day's snapshot, then memberships changed
// in the targets behind muster's back. After each day, both targets hold exactly what the policies say.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Attribute, Change, Client } from 'ldapts';
import { loadConfig } from '../../src/config/load.ts';
import type { Connector } from '../../src/connectors/accounts/port.ts';
import { ScimConnector } from '../../src/connectors/accounts/scim/index.ts';
import { type MembershipAction, type RunCounts, listFindings, reconcileTarget } from '../../src/lifecycle/reconcile/index.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { createProvisioningWorker } from '../../src/runtime/provisioning.ts';
import { createJobWorker } from '../../src/runtime/workers.ts';
import { hrCsv, hrLine } from '../support/muster.ts';
import { type ScimService, startScimService } from '../support/scim-service.ts';
import { type SlapdInstance, slapdSkip, startSlapd } from '../support/slapd.ts';
import { describeEachStore } from '../support/stores.ts';

const POLICIES: Record<string, unknown> = {
  everyone: {
    kind: 'birthright', description: 'every person has a directory and a portal account', when: [{ attribute: 'kind', in: ['person'] }],
    grants: [{ target: 'directory', groups: [{ name: 'staff' }] }, { target: 'portal', groups: [{ name: 'portal-users' }] }],
  },
  finance: {
    kind: 'birthright', description: 'finance staff keep the ledger', when: [{ attribute: 'department', in: ['Finance'] }],
    grants: [{ target: 'directory', groups: [{ name: 'finance' }] }, { target: 'portal', groups: [{ name: 'ledger', privileged: true }] }],
  },
};

/** key → "enabled [groups]" in one target. */
type TargetState = Record<string, string>;
type Expected = { directory: TargetState; portal: TargetState };

const on = (...groups: string[]) => `enabled [${groups.sort().join(',')}]`;
const OFF = 'disabled []';
const mail = (n: number) => `given${n}.family${n}@demo.gov`;

/** The snapshots, one a day, and what each target holds after it. */
const DAYS: { people: string[]; expected: Expected }[] = [
  {
    // day 0: five joiners
    people: [hrLine('E1'), hrLine('E2'), hrLine('E3', { department: 'Legal' }), hrLine('E4', { department: 'Legal' }), hrLine('E5', { department: 'Legal' })],
    expected: {
      directory: { E1: on('staff', 'finance'), E2: on('staff', 'finance'), E3: on('staff'), E4: on('staff'), E5: on('staff') },
      portal: { [mail(1)]: on('portal-users', 'ledger'), [mail(2)]: on('portal-users', 'ledger'), [mail(3)]: on('portal-users'), [mail(4)]: on('portal-users'), [mail(5)]: on('portal-users') },
    },
  },
  {
    // day 1: E1 moves to Legal, E2 leaves, E3's email changes, E5 is missing from the snapshot, E6 joins
    people: [hrLine('E1', { department: 'Legal' }), hrLine('E2', { status: 'terminated' }), hrLine('E3', { department: 'Legal', email: 'pat.three@demo.gov' }), hrLine('E4', { department: 'Legal' }), hrLine('E6')],
    expected: {
      directory: { E1: on('staff'), E2: OFF, E3: on('staff'), E4: on('staff'), E5: OFF, E6: on('staff', 'finance') },
      portal: { [mail(1)]: on('portal-users'), [mail(2)]: OFF, 'pat.three@demo.gov': on('portal-users'), [mail(4)]: on('portal-users'), [mail(5)]: OFF, [mail(6)]: on('portal-users', 'ledger') },
    },
  },
  {
    // day 2: E2 is rehired under a new number (the same email names the same person), E5 is back, unchanged (hired again), E4 leaves
    people: [
      hrLine('E1', { department: 'Legal' }), hrLine('E3', { department: 'Legal', email: 'pat.three@demo.gov' }), hrLine('E4', { department: 'Legal', status: 'terminated' }),
      hrLine('E5', { department: 'Legal' }), hrLine('E6'),
      hrLine('E22', { given_name: 'Given2', family_name: 'Family2', email: mail(2) }),
    ],
    expected: {
      directory: { E1: on('staff'), E22: on('staff', 'finance'), E3: on('staff'), E4: OFF, E5: on('staff'), E6: on('staff', 'finance') },
      portal: { [mail(1)]: on('portal-users'), [mail(2)]: on('portal-users', 'ledger'), 'pat.three@demo.gov': on('portal-users'), [mail(4)]: OFF, [mail(5)]: on('portal-users'), [mail(6)]: on('portal-users', 'ledger') },
    },
  },
];

async function held(connector: Connector): Promise<{ state: TargetState; ids: Record<string, string> }> {
  const state: TargetState = {};
  const ids: Record<string, string> = {};
  for await (const page of connector.listAccounts(2)) {
    for (const a of page) {
      state[a.key] = `${a.enabled ? 'enabled' : 'disabled'} [${[...a.groups].sort().join(',')}]`;
      ids[a.key] = a.id;
    }
  }
  return { state, ids };
}

describeEachStore('HR churn over several days in slapd and a SCIM service', (factory) => {
  const skip = slapdSkip();
  let slapd: SlapdInstance;
  let scim: ScimService;
  let muster: Muster;
  let dir: string;
  let connectors: ReadonlyMap<string, Connector>;
  let settle: () => Promise<void>;
  const firstIds: Record<string, string> = {};

  const target = (name: 'directory' | 'portal') => connectors.get(name) as Connector;
  const reconcile = (name: 'directory' | 'portal', membershipAction: MembershipAction) =>
    reconcileTarget({ store: muster.store, audit: muster.audit, clock: muster.clock }, target(name), {
      target: name, accountKey: muster.config.targets[name]?.accountKey ?? [], orphanAction: 'report', membershipAction, actor: 'test', pageSize: 2,
    });

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'muster-churn-'));
    [slapd, scim] = await Promise.all([startSlapd(), startScimService()]);
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: ':memory:', import: { massChangeShare: 1 },
        targets: {
          directory: { kind: 'ldap', ...slapd.options, accountKey: ['employee_id'] },
          portal: { kind: 'scim', baseUrl: scim.baseUrl, auth: { type: 'bearer', token: scim.token }, accountKey: ['email'] },
        },
      },
    });
    muster = await startMuster(config, { store: await factory.open() });
    const jobs = createJobWorker(muster, { batchSize: 200, sweepEveryMs: 0 });
    const provisioning = createProvisioningWorker(muster);
    connectors = provisioning.connectors;
    settle = async () => {
      for (;;) {
        const ran = (await jobs.runOnce()).claimed + (await provisioning.worker.runOnce());
        if (ran === 0) return;
      }
    };
    for (const [name, doc] of Object.entries(POLICIES)) await muster.policies.save(name, doc, 'alice', 'birthright access');
  });

  after(async () => {
    if (skip) return;
    for (const c of connectors?.values() ?? []) await c.close();
    await muster?.close();
    await Promise.all([slapd?.stop(), scim?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  for (const [day, { people, expected }] of DAYS.entries()) {
    test(`day ${day}: both targets hold what the policies say`, { skip }, async () => {
      const file = join(dir, `hr-${day}.csv`);
      await writeFile(file, hrCsv(people));
      const run = await muster.imports.run({ source: 'hr', file, actor: 'test' });
      assert.equal(run.status, 'applied', JSON.stringify(run.errors.slice(0, 3)));
      await settle();
      for (const name of ['directory', 'portal'] as const) {
        const { state, ids } = await held(target(name));
        assert.deepEqual(state, expected[name], `${name} after day ${day}`);
        if (day === 0) for (const [key, id] of Object.entries(ids)) firstIds[`${name}:${key}`] = id;
      }
      assert.equal((await muster.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM provisioning_ops WHERE status <> 'done'`))[0]?.n, 0, 'nothing pending or dead');
    });
  }

  test('renamed accounts are the accounts made on day 0: the SCIM id is kept, the LDAP entry moved with its uid', { skip }, async () => {
    const { ids: portal } = await held(target('portal'));
    assert.equal(portal['pat.three@demo.gov'], firstIds[`portal:${mail(3)}`], "E3's portal account, renamed");
    const { ids: directory } = await held(target('directory'));
    assert.equal(directory.E22, `uid=E22,${slapd.usersDn}`);
    const rows = await muster.store.query<{ account_ref: string; remote_id: string; n: number }>(
      `SELECT account_ref, remote_id, (SELECT count(*)::int FROM accounts b WHERE b.identity_id = a.identity_id) AS n FROM accounts a WHERE account_ref IN ('E22', 'pat.three@demo.gov') ORDER BY account_ref`);
    assert.deepEqual(rows, [{ account_ref: 'E22', remote_id: directory.E22, n: 2 }, { account_ref: 'pat.three@demo.gov', remote_id: portal['pat.three@demo.gov'], n: 2 }], 'one account per target and identity');
    const expectedDirectory = DAYS.at(-1)?.expected.directory ?? {};
    const listed = await reconcile('directory', 'report');
    assert.deepEqual([listed.counts.linked, listed.counts.unmatched, listed.counts.disputed, listed.counts.drift], [Object.keys(expectedDirectory).length, 0, 0, 0]);
  });

  test('day 3: memberships changed in the targets are reported, a granted one given back, and the rest removed under the remove policy', { skip }, async () => {
    const { ids: directory } = await held(target('directory'));
    const { ids: portal } = await held(target('portal'));
    // an administrator adds E3 to finance and takes E6 out of staff in slapd; someone gives E1 the ledger in the portal
    const admin = new Client({ url: slapd.url, timeout: 5000 });
    await admin.bind(slapd.bindDn, slapd.bindPassword);
    const member = (operation: 'add' | 'delete', id: string) => new Change({ operation, modification: new Attribute({ type: 'member', values: [id] }) });
    await admin.modify(`cn=finance,${slapd.groupsDn}`, member('add', directory.E3 as string));
    await admin.modify(`cn=staff,${slapd.groupsDn}`, member('delete', directory.E6 as string));
    await admin.unbind();
    const outsider = new ScimConnector('portal', { baseUrl: scim.baseUrl, auth: { type: 'bearer', token: scim.token } });
    await outsider.addMember('ledger', portal[mail(1)] as string);
    await outsider.close();

    const counts = (r: { counts: RunCounts }) => [r.counts.memberships, r.counts.membershipsRemoved, r.counts.drift];
    const reported = { directory: await reconcile('directory', 'report'), portal: await reconcile('portal', 'report') };
    assert.deepEqual(counts(reported.directory), [2, 0, 2]);
    assert.deepEqual(counts(reported.portal), [1, 0, 1]);
    const findings = await listFindings(muster.store, reported.portal.id, { situation: 'linked' });
    assert.deepEqual(findings.map((f) => [f.accountRef, f.privileged, f.drift]), [[mail(1), true, true]]);
    assert.match(findings[0]?.action ?? '', /ledger: member in the target, not granted: reported/);
    assert.equal((await held(target('portal'))).state[mail(1)], on('portal-users', 'ledger'), 'reported, left in place');

    await settle();
    const final = DAYS.at(-1)?.expected as Expected;
    assert.equal((await held(target('directory'))).state.E6, final.directory.E6, 'provisioning gave back what was taken');
    const removed = { directory: await reconcile('directory', 'remove'), portal: await reconcile('portal', 'remove') };
    assert.deepEqual([counts(removed.directory), counts(removed.portal)], [[1, 1, 1], [1, 1, 1]]);
    for (const name of ['directory', 'portal'] as const) assert.deepEqual((await held(target(name))).state, final[name], `${name} as the policies say`);
    const clean = { directory: await reconcile('directory', 'remove'), portal: await reconcile('portal', 'remove') };
    assert.deepEqual([counts(clean.directory), counts(clean.portal)], [[0, 0, 0], [0, 0, 0]]);
    const audit = await muster.store.query<{ action: string; n: number }>(
      `SELECT action, count(*)::int AS n FROM audit_log WHERE action LIKE 'reconciliation.membership-%' GROUP BY action ORDER BY action`);
    assert.deepEqual(audit, [{ action: 'reconciliation.membership-drift', n: 3 }, { action: 'reconciliation.membership-removed', n: 2 }]);
  });

  test('a person missing from one snapshot and back unchanged in the next is active again', { skip }, async () => {
    const last = DAYS.at(-1)?.people ?? [];
    const write = async (name: string, people: readonly string[]) => {
      const file = join(dir, name);
      await writeFile(file, hrCsv(people));
      assert.equal((await muster.imports.run({ source: 'hr', file, actor: 'test' })).status, 'applied');
      await settle();
    };
    await write('hr-4.csv', last.filter((line) => !line.startsWith('E1,')));
    assert.equal((await held(target('directory'))).state.E1, OFF);
    await write('hr-5.csv', last);
    assert.equal((await held(target('directory'))).state.E1, on('staff'));
  });
});

// muster's lifecycle against a real Samba AD DC: a joiner appears in the OU of the component with the policies'
// groups, a mover changes OU and loses the groups of the old department, a PIV card muster issues is mapped for
// Windows logon (altSecurityIdentities) until it is revoked, and a leaver is disabled and moved to the leavers' OU.
// Each account's `manager` names the DN of its manager's account. What AD holds is read back with ldapsearch
// (ldap-utils) and samba-tool, not through the connector. One DC serves the whole file: each store's leg, and the
// reading suite, works in OUs of its own under logins of its own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { type AdConnector, AdConnector as AdConnectorClass, type AdOptions, strongMapping } from '../../src/connectors/accounts/ad/index.ts';
import { LdapConnector } from '../../src/connectors/accounts/ldap/index.ts';
import { isMusterError } from '../../src/core/errors.ts';
import type { Connector } from '../../src/connectors/accounts/port.ts';
import { identityCertificates } from '../../src/credentials/certificate-repository.ts';
import { VETTING_HEADER } from '../../src/credentials/test-fixtures.ts';
import { listFindings, reconcileTarget } from '../../src/lifecycle/reconcile/index.ts';
import { identityByKey } from '../../src/lifecycle/test-fixtures.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { createProvisioningWorker } from '../../src/runtime/provisioning.ts';
import { createJobWorker } from '../../src/runtime/workers.ts';
import { issueCard } from '../support/card-status.ts';
import { waitUntil } from '../support/wait.ts';
import { hrCsv, hrLine } from '../support/muster.ts';
import { adScope, ldapsearchValues, type SambaAd, sambaSkip, startSambaAd } from '../support/samba-ad.ts';
import { describeEachStore, type StoreFactory } from '../support/stores.ts';

const run = promisify(execFile);

/** The DC every suite of this file shares, started (from the provisioned template) when the first suite asks for it. */
let shared: Promise<SambaAd> | undefined;
const dc = (): Promise<SambaAd> => {
  shared ??= startSambaAd();
  return shared;
};
after(async () => {
  await (await shared?.catch(() => undefined))?.stop();
});

/** The policies of a leg: a group's sAMAccountName is its name, which is the domain's, so each leg has groups of its own. */
const policies = (leg: string) => ({
  'ad-staff': {
    kind: 'birthright',
    description: 'every person has a domain account in all-staff',
    when: [{ attribute: 'kind', in: ['person'] }],
    grants: [{ target: 'ad', groups: [{ name: `all-staff-${leg}` }] }],
  },
  'ad-budget': {
    kind: 'birthright',
    description: 'the budget office shares its drive',
    when: [{ attribute: 'department', in: ['Budget'] }],
    grants: [{ target: 'ad', groups: [{ name: `budget-share-${leg}` }] }],
  },
  'ad-ops': {
    kind: 'birthright',
    description: 'operations staff also have an account in the domain that clears the manager of a leaver',
    when: [{ attribute: 'department', in: ['Ops'] }],
    grants: [{ target: 'adclear', groups: [{ name: `ops-${leg}` }] }],
  },
});

/** The DN's parent, as AD spells it. */
function parentOf(dn: string): string {
  return dn.slice(dn.indexOf(',') + 1);
}

describeEachStore('the Active Directory target against Samba', (factory: StoreFactory) => {
  describe('joiners, movers, cards, leavers, reconciliation and managers', { skip: sambaSkip() }, () => adTargetSuite(factory));
});

function adTargetSuite(factory: StoreFactory): void {
  let ad: SambaAd;
  let muster: Muster;
  let dir: string;
  let connector: AdConnector;
  let clearing: AdConnector;
  let settle: () => Promise<void>;
  let ous: Awaited<ReturnType<typeof adScope>>;
  // logins are the domain's: each leg has its own
  const leg = factory.name === 'pglite' ? 'L' : 'P';
  const E1 = `${leg}1`;
  const hrLines = async (lines: readonly string[]): Promise<void> => {
    await writeFile(join(dir, 'hr.csv'), hrCsv(lines));
    const imported = await muster.imports.run({ source: 'hr', file: join(dir, 'hr.csv'), actor: 'test' });
    assert.equal(imported.status, 'applied', JSON.stringify(imported.errors.slice(0, 3)));
    await settle();
  };
  const hr = (line: string): Promise<void> => hrLines([line]);
  const account = async (key = E1, from: AdConnector = connector) => {
    const found = await from.findAccount(key);
    assert.ok(found, `the account of ${key} in ${from.target}`);
    return found;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-ad-'));
    ad = await dc();
    ous = await adScope(ad, `Muster-${factory.name}`);
    const clearOus = await adScope(ad, `Clearing-${factory.name}`);
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: ':memory:',
        import: { massChangeShare: 1 },
        pki: { publishPollMs: 60_000 },
        targets: {
          ad: { kind: 'ad', ...ous.options, accountKey: ['employee_id'], smartcardRequired: true },
          adclear: { kind: 'ad', ...clearOus.options, upnSuffix: 'clear.agency.example', accountKey: ['employee_id'], managerOnLeave: 'clear' },
        },
      },
    });
    muster = await startMuster(config, { store: await factory.open() });
    const jobs = createJobWorker(muster, { batchSize: 200, sweepEveryMs: 0 });
    const provisioning = createProvisioningWorker(muster);
    connector = provisioning.connectors.get('ad') as Connector as AdConnector;
    clearing = provisioning.connectors.get('adclear') as Connector as AdConnector;
    // until nothing is left to do, an operation a busy DC refused for now (retried after its back-off) included
    settle = async () => {
      await waitUntil(
        'every job and provisioning operation is done',
        async () => {
          for (;;) {
            const ran = (await jobs.runOnce()).claimed + (await provisioning.worker.runOnce());
            if (ran === 0) break;
          }
          return (await muster.store.query(`SELECT 1 FROM provisioning_ops WHERE status = 'pending' LIMIT 1`)).length === 0;
        },
        { timeoutMs: 120_000, intervalMs: 200 },
      );
    };
    for (const [name, doc] of Object.entries(policies(leg))) await muster.policies.save(name, doc, 'alice', 'domain access');
  });

  after(async () => {
    await connector?.close();
    await clearing?.close();
    await muster?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a joiner appears in the OU of the department with the groups the policies give', async () => {
    await hr(hrLine(E1, { department: 'Budget', given_name: 'Pat', family_name: 'Lee' }));
    const joiner = await account();
    assert.equal(parentOf(joiner.dn), ous.componentOus.Budget);
    assert.deepEqual(joiner.groups, [`all-staff-${leg}`, `budget-share-${leg}`]);
    assert.equal(joiner.enabled, true);
    assert.deepEqual(await ldapsearchValues(ad, joiner.dn, 'userPrincipalName'), [`${E1}@agency.example`]);
    assert.deepEqual(await ldapsearchValues(ad, joiner.dn, 'sAMAccountName'), [E1.toLowerCase()]);
    // NORMAL_ACCOUNT | SMARTCARD_REQUIRED
    assert.deepEqual(await ldapsearchValues(ad, joiner.dn, 'userAccountControl'), [String(0x200 | 0x40000)]);
  });

  test('a mover changes OU, keeps its objectGUID and loses the groups of the old department', async () => {
    const before = await account();
    await hr(hrLine(E1, { department: 'Accounting', given_name: 'Pat', family_name: 'Lee' }));
    const mover = await account();
    assert.equal(mover.id, before.id);
    assert.equal(parentOf(mover.dn), ous.componentOus.Accounting);
    assert.deepEqual(mover.groups, [`all-staff-${leg}`]);
    assert.deepEqual(await ldapsearchValues(ad, mover.dn, 'department'), ['Accounting']);
  });

  test('a card muster issues is mapped for Windows logon, drift is put right, and revoking the card removes the mapping', async () => {
    await writeFile(join(dir, 'vetting.csv'), `${VETTING_HEADER}\n${E1},favorable,current,Tier 3,2025-11-01,true\n`);
    assert.equal((await muster.imports.run({ source: 'vetting', file: join(dir, 'vetting.csv'), actor: 'test' })).status, 'applied');
    const identity = await identityByKey(muster.store, 'employee_id', E1);
    await issueCard(muster, identity.id, dir);
    await settle();
    const pivAuth = (await identityCertificates(muster.store, identity.id)).filter((c) => c.profile === 'piv-auth' && c.status === 'good');
    assert.equal(pivAuth.length, 1, 'one PIV Authentication certificate');
    const mapping = strongMapping((pivAuth[0] as { der: Uint8Array }).der);
    assert.match(mapping, /^X509:<I>C=US,O=U\.S\. Government,OU=Demo Agency,CN=Demo Agency PIV Issuing CA<SR>[0-9A-F]+$/);
    const holder = await account();
    assert.deepEqual(await ldapsearchValues(ad, holder.dn, 'altSecurityIdentities'), [mapping], 'mapped by provisioning');
    // samba-tool reads the DC's own database: the mapping as the domain's tools show it
    const shown = await run('samba-tool', [
      'user',
      'show',
      E1.toLowerCase(),
      '-H',
      join(ad.directory, 'private', 'sam.ldb'),
      '-s',
      join(ad.directory, 'etc', 'smb.conf'),
      '--attributes=altSecurityIdentities',
    ]);
    assert.ok(shown.stdout.includes(`altSecurityIdentities: ${mapping}`), shown.stdout);
    process.stdout.write(`# samba-tool user show ${E1.toLowerCase()}: ${shown.stdout.trim().replaceAll('\n', ' | ')}\n`);

    // an administrator removes the mapping in AD: reconciliation sees the drift and provisioning maps the card again
    await connector.mapCertificates(holder.id, []);
    const run1 = await reconcileTarget({ store: muster.store, audit: muster.audit, clock: muster.clock }, connector, {
      target: 'ad',
      accountKey: ['employee_id'],
      orphanAction: 'report',
      actor: 'test',
    });
    assert.equal(run1.counts.drift, 1);
    const [finding] = await listFindings(muster.store, run1.id);
    assert.match(finding?.action ?? '', /certificate mappings changed in the target/);
    await settle();
    assert.deepEqual(await ldapsearchValues(ad, holder.dn, 'altSecurityIdentities'), [mapping], 'mapped again');

    const { cards } = await muster.credentials();
    await cards.terminate((pivAuth[0] as { credential_id: string }).credential_id, 'lost', { actor: 'issuer.ivan', correlationId: 'ad-card-lost' });
    await settle();
    assert.deepEqual(await ldapsearchValues(ad, holder.dn, 'altSecurityIdentities'), [], 'the revoked card is no longer mapped');
  });

  test('a leaver is disabled at once and moved to the leavers OU, never deleted', async () => {
    await hr(hrLine(E1, { department: 'Accounting', given_name: 'Pat', family_name: 'Lee', status: 'terminated' }));
    const leaver = await account();
    assert.equal(parentOf(leaver.dn), ous.leaversDn);
    assert.equal(leaver.enabled, false);
    const [uac] = await ldapsearchValues(ad, leaver.dn, 'userAccountControl');
    assert.equal(Number(uac) & 0x2, 0x2, 'ACCOUNTDISABLE');
  });

  test("an incremental reconciliation reads only what changed after the last run's uSNChanged mark", async () => {
    const reconcile = (incremental: boolean) =>
      reconcileTarget({ store: muster.store, audit: muster.audit, clock: muster.clock }, connector, { target: 'ad', accountKey: ['employee_id'], orphanAction: 'report', actor: 'test', incremental });
    const full = await reconcile(false);
    assert.equal(full.counts.accounts, 1, 'E1, in the leavers OU');
    await connector.createAccount({ key: `stray-${leg}`, correlationId: 'nobody', enabled: true, fields: { familyName: 'Stray' } });
    const since = await reconcile(true);
    assert.deepEqual([since.counts.accounts, since.counts.unmatched, since.counts.deleted], [1, 1, 0], 'only the account made since');
    const [kept] = await muster.store.query<{ incremental: boolean; high_water: string }>('SELECT incremental, high_water FROM reconciliation_runs WHERE id = $1', [since.id]);
    assert.equal(kept?.incremental, true);
    assert.match(kept?.high_water ?? '', /^CN=NTDS Settings,.*#\d+$/);
    assert.equal((await reconcile(true)).counts.accounts, 0, 'nothing changed since');
  });

  // a report and two managers, in operations: accounts in both targets, `ad` keeping a leaver's reports' manager, `adclear` clearing it
  const [R, M1, M2] = [`${leg}R`, `${leg}M1`, `${leg}M2`];
  const ops = (id: string, over: Partial<Record<string, string>> = {}) => hrLine(id, { department: 'Ops', given_name: 'Sam', family_name: id, email: `${id.toLowerCase()}@agency.example`, ...over });
  const managerOf = async (key: string, from: AdConnector): Promise<string[]> => ldapsearchValues(ad, (await account(key, from)).dn, 'manager');

  test("a joiner whose manager joins in the same import ends with the manager's account as its manager, in each target", async () => {
    // the report comes first: its account is made before its manager's, which then has it provisioned again
    await hrLines([ops(R, { manager: M1 }), ops(M1)]);
    for (const target of [connector, clearing]) assert.deepEqual(await managerOf(R, target), [(await account(M1, target)).dn], target.target);
    assert.deepEqual(await managerOf(M1, connector), [], 'a manager without a manager');
  });

  test('a mover whose manager changes names the new manager', async () => {
    await hrLines([ops(R, { manager: M1 }), ops(M1), ops(M2)]);
    await hrLines([ops(R, { manager: M2 }), ops(M1), ops(M2)]);
    for (const target of [connector, clearing]) assert.deepEqual(await managerOf(R, target), [(await account(M2, target)).dn], target.target);
  });

  test('a manager who leaves stays the manager where managerOnLeave is keep (the default), and is cleared where it is clear', async () => {
    await hrLines([ops(R, { manager: M2 }), ops(M1), ops(M2, { status: 'terminated' })]);
    const left = await account(M2, connector);
    assert.equal(parentOf(left.dn), ous.leaversDn);
    assert.deepEqual(await managerOf(R, connector), [left.dn], 'kept, following the move to the leavers OU');
    assert.deepEqual(await managerOf(R, clearing), [], 'cleared');
    await hrLines([ops(R, { manager: M1 }), ops(M1), ops(M2, { status: 'terminated' })]);
    for (const target of [connector, clearing]) assert.deepEqual(await managerOf(R, target), [(await account(M1, target)).dn], `${target.target}: the MUR's new manager`);
  });
}

describe('reading Active Directory the way reconciliation does', { skip: sambaSkip() }, () => {
  let ad: SambaAd;
  let c: AdConnector;
  const person = (key: string, department = 'Budget') => ({ key, correlationId: `id-${key}`, enabled: true, fields: { givenName: 'Lee', familyName: key, department } });

  let options: AdOptions;

  before(async () => {
    ad = await dc();
    const scope = await adScope(ad, 'Reading');
    options = scope.options;
    // small ranges, so that a group of a few dozen members is read the way AD hands out one of thousands
    c = new AdConnectorClass('ad', { ...options, rangeSize: 10 });
  });

  after(async () => {
    await c?.close();
  });

  test("a large group's members are read in ranges, and nested groups' members through the chain rule", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await c.createAccount(person(`big${i}`))).id);
    for (const id of ids) await c.addMember('big-group', id);
    const members = await c.groupMembers('big-group');
    assert.equal(members.length, 25);
    assert.equal(new Set(members).size, 25, 'no member twice across ranges');
    const inner = (await c.createAccount(person('inner1'))).id;
    await c.addMember('inner-group', inner);
    await c.nestGroup('big-group', 'inner-group');
    assert.equal((await c.groupMembers('big-group', { nested: true })).length, 26);
    assert.equal((await c.groupMembers('big-group')).length, 26, 'the nested group is one member value');
  });

  test('an incremental run reads only what changed since its uSNChanged high-water mark', async () => {
    const { id } = await c.createAccount(person('usn1'));
    await c.createAccount(person('usn2'));
    const mark = await c.highestCommittedUsn();
    await c.updateAccount(id, { title: 'Director' });
    const changed: string[] = [];
    for await (const page of c.changedSince(mark)) changed.push(...page.map((a) => a.key));
    assert.deepEqual(changed, ['usn1']);
  });

  test('StartTLS on ldap:// carries the bind for the AD and LDAP connectors; a plain simple bind is refused by the DC', async () => {
    const url = `ldap://${ad.address}`;
    const overStartTls = new AdConnectorClass('ad', { ...options, url, startTls: true });
    const directory = new LdapConnector('directory', { ...options, url, startTls: true });
    const plain = new AdConnectorClass('ad', { ...options, url });
    try {
      const { id } = await overStartTls.createAccount(person('tls1'));
      assert.equal((await overStartTls.findAccount('tls1'))?.id, id, 'a password set over StartTLS too');
      assert.equal(await directory.findAccount('nobody'), null);
      await assert.rejects(
        plain.findAccount('tls1'),
        (e: unknown) => isMusterError(e, 'MUSTER_ERR_TARGET_REFUSED') && /requires an encrypted connection for the bind: use ldaps:\/\/ or startTls/.test((e as Error).message),
      );
    } finally {
      await Promise.all([overStartTls.close(), directory.close(), plain.close()]);
    }
  });

  test("the manager is the DN of the manager's account, and follows the manager's moves", async () => {
    const { id: bossId } = await c.createAccount(person('boss1'));
    const { id } = await c.createAccount(person('report1'));
    await c.setManager(id, bossId);
    const boss = await c.findAccount('boss1');
    assert.equal((await c.readAccount(id))?.manager, boss?.dn);
    await c.updateAccount(boss?.id as string, { department: 'Accounting' });
    const moved = await c.findAccount('boss1');
    assert.match(moved?.dn ?? '', /OU=Accounting/);
    assert.deepEqual(await ldapsearchValues(ad, (await c.readAccount(id))?.dn as string, 'manager'), [moved?.dn]);
    await c.setManager(id, null);
    assert.equal((await c.readAccount(id))?.manager, null);
  });

  test("AD's extended errors become clear refusals: a sAMAccountName collision is numbered, a bad bind is named", async () => {
    const same = { ...options, samPattern: '{g}{family}' };
    const named = new AdConnectorClass('ad', same);
    try {
      await named.createAccount({ ...person('coll1'), fields: { givenName: 'Sam', familyName: 'Smith' } });
      const { id } = await named.createAccount({ ...person('coll2'), fields: { givenName: 'Sue', familyName: 'Smith' } });
      assert.equal((await named.readAccount(id))?.samAccountName, 'ssmith2');
    } finally {
      await named.close();
    }
    const wrong = new AdConnectorClass('ad', { ...options, bindPassword: 'not-the-password' });
    try {
      await assert.rejects(wrong.findAccount('anyone'), (e: unknown) => {
        assert.ok(isMusterError(e, 'MUSTER_ERR_TARGET_REFUSED'), String(e));
        assert.match((e as Error).message, /the bind account or its password is wrong \(AD error 80090308\)/);
        return true;
      });
    } finally {
      await wrong.close();
    }
  });
});

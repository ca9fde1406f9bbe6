// The lifecycle "done when": a demo agency's next-day snapshot creates, changes and disables accounts in a real
// OpenLDAP slapd and in two SCIM services (SCIMMY) exactly as the policies say, and the dry run predicts it.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import type { AccessChange } from '../../src/core/access/diff.ts';
import type { Connector } from '../../src/connectors/accounts/port.ts';
import { writeDemoAgency } from '../../src/demo/index.ts';
import { dryRunAccess } from '../../src/lifecycle/access/dry-run.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { createProvisioningWorker } from '../../src/runtime/provisioning.ts';
import { createJobWorker } from '../../src/runtime/workers.ts';
import { type ScimService, startScimService } from '../support/scim-service.ts';
import { type SlapdInstance, slapdSkip, startSlapd } from '../support/slapd.ts';
import { describeEachStore } from '../support/stores.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const PEOPLE = 400;
const POLICY_DIR = new URL('../../docs/examples/policies/', import.meta.url);

interface Held {
  enabled: boolean;
  groups: string[];
  department: string | undefined;
}
type TargetState = Map<string, Held>;

async function snapshot(connector: Connector): Promise<TargetState> {
  const state: TargetState = new Map();
  for await (const page of connector.listAccounts(500)) {
    for (const a of page) state.set(a.key, { enabled: a.enabled, groups: [...a.groups].sort(), department: a.fields.department });
  }
  return state;
}

type Keys = (identityId: string, target: string) => string;

/** The target states the dry run's changes lead to, from the states before; `keyOf` names an identity's account in a target. */
function predict(before: ReadonlyMap<string, TargetState>, changes: readonly { identityId: string; change: AccessChange }[], keyOf: Keys): Map<string, TargetState> {
  const out = new Map([...before].map(([t, s]) => [t, new Map([...s].map(([k, v]) => [k, { ...v, groups: [...v.groups] }]))]));
  const held = (target: string, key: string): Held => {
    const state = out.get(target) as TargetState;
    if (!state.has(key)) state.set(key, { enabled: false, groups: [], department: undefined });
    return state.get(key) as Held;
  };
  for (const { identityId, change } of changes) {
    const key = (target: string) => change.accounts.find((a) => a.target === target)?.key ?? keyOf(identityId, target);
    for (const a of change.accounts) {
      const h = held(a.target, a.key);
      if (a.action === 'create' || a.action === 'enable') h.enabled = true;
      if (a.action === 'disable') h.enabled = false;
      if (a.changedFields.includes('department') || a.action === 'create') h.department = a.fields.department;
    }
    for (const g of [...change.granted.filter((x) => !x.held), ...change.resumed]) held(g.target, key(g.target)).groups.push(g.group);
    for (const r of [...change.removed, ...change.suspended]) {
      const h = held(r.target, key(r.target));
      h.groups = h.groups.filter((x) => x !== r.group);
    }
  }
  for (const state of out.values()) for (const h of state.values()) h.groups.sort();
  return out;
}

async function accountKeys(muster: Muster): Promise<Keys> {
  const rows = await muster.store.query<{ identity_id: string; target: string; account_ref: string }>('SELECT identity_id, target, account_ref FROM accounts WHERE identity_id IS NOT NULL');
  const map = new Map(rows.map((r) => [`${r.identity_id}:${r.target}`, r.account_ref]));
  return (id, target) => map.get(`${id}:${target}`) ?? '';
}

describeEachStore('lifecycle policies against slapd and SCIM services', (factory) => {
  const skip = slapdSkip();
  let slapd: SlapdInstance;
  let portal: ScimService;
  let finance: ScimService;
  let muster: Muster;
  let dir: string;
  let connectors: ReadonlyMap<string, Connector>;
  let settle: () => Promise<void>;

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'muster-lifecycle-'));
    [slapd, portal, finance] = await Promise.all([startSlapd(), startScimService(), startScimService()]);
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: ':memory:',
        import: { massChangeShare: 1 },
        targets: {
          directory: { kind: 'ldap', ...slapd.options },
          portal: { kind: 'scim', baseUrl: portal.baseUrl, auth: { type: 'bearer', token: portal.token } },
          'finance-app': { kind: 'scim', baseUrl: finance.baseUrl, auth: { type: 'bearer', token: finance.token } },
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
    for (const file of (await readdir(POLICY_DIR)).sort()) {
      await muster.policies.save(file.replace(/\.json$/, ''), JSON.parse(await readFile(new URL(file, POLICY_DIR), 'utf8')), 'alice', 'the agency birthright policies');
    }
  });

  after(async () => {
    if (skip) return;
    for (const c of connectors?.values() ?? []) await c.close();
    await muster?.close();
    await Promise.all([slapd?.stop(), portal?.stop(), finance?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  test('day 0 gives every active person exactly the accounts and groups the policies say', { skip }, async () => {
    const { files } = await writeDemoAgency(join(dir, 'day0'), { seed: 11, people: PEOPLE, day: 0 }, 'csv');
    for (const source of ['hr', 'npe', 'vetting', 'training'] as const) {
      const run = await muster.imports.run({ source, file: files[source], actor: 'test', skipInvalid: true });
      assert.equal(run.status, 'applied', `${source}: ${JSON.stringify(run.errors.slice(0, 3))}`);
    }
    const predicted = await dryRunAccess(muster.store, muster.accessTargets, muster.clock.now());
    await settle();
    const held = new Map(await Promise.all([...connectors].map(async ([t, c]) => [t, await snapshot(c)] as const)));
    const expected = predict(new Map([...connectors.keys()].map((t) => [t, new Map()])), predicted.changes, await accountKeys(muster));
    for (const [target, state] of held) {
      assert.deepEqual(differences(state, expected.get(target) as TargetState), [], `${target}: what the dry run predicted`);
    }
    const people = await muster.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM identities WHERE kind = 'person' AND status IN ('active')`);
    assert.equal([...(held.get('directory')?.values() ?? [])].filter((a) => a.enabled && a.groups.includes('all-staff')).length, people[0]?.n, 'every active person in all-staff');
    const admins = await muster.store.query<{ account_ref: string; status: string }>(
      `SELECT a.account_ref, e.status FROM accounts a JOIN entitlements e ON e.identity_id = a.identity_id AND e.target = a.target
       WHERE a.target = 'directory' AND e.entitlement = 'server-admins'`,
    );
    assert.ok(admins.length > 0, 'the IT operations policy gives server-admins');
    for (const a of admins) {
      assert.equal(held.get('directory')?.get(a.account_ref)?.groups.includes('server-admins'), a.status === 'active', `${a.account_ref} (${a.status})`);
    }
    const held_back = await muster.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM entitlements WHERE status = 'suspended'`);
    assert.ok((held_back[0]?.n ?? 0) > 0, 'the training gate holds some privileged entitlements back');
    assert.equal(await count(muster, `provisioning_ops WHERE status <> 'done'`), 0);
  });

  test('day 1: the dry run predicts exactly what the next-day snapshot does in every target', { skip }, async () => {
    const before = new Map(await Promise.all([...connectors].map(async ([t, c]) => [t, await snapshot(c)] as const)));
    const { files } = await writeDemoAgency(join(dir, 'day1'), { seed: 11, people: PEOPLE, day: 1 }, 'csv');
    for (const source of ['hr', 'vetting', 'training'] as const) {
      const run = await muster.imports.run({ source, file: files[source], actor: 'test', skipInvalid: true });
      assert.equal(run.status, 'applied', `${source}: ${JSON.stringify(run.errors.slice(0, 3))}`);
    }
    const dry = await dryRunAccess(muster.store, muster.accessTargets, muster.clock.now());
    const predicted = predict(before, dry.changes, await accountKeys(muster));
    const actions = Object.keys(dry.summary);
    for (const needed of ['directory.create', 'directory.disable', 'portal.create', 'portal.disable']) assert.ok(actions.includes(needed), `${needed} in ${actions.join(', ')}`);
    await settle();
    const afterState = new Map(await Promise.all([...connectors].map(async ([t, c]) => [t, await snapshot(c)] as const)));
    for (const [target, state] of afterState) {
      const want = predicted.get(target) as TargetState;
      assert.deepEqual(differences(state, want), [], `${target} holds what the dry run predicted`);
    }
    assert.equal((await dryRunAccess(muster.store, muster.accessTargets, muster.clock.now())).changes.length, 0, 'nothing left to change');
  });
});

/** Accounts whose state differs (at most ten, each as held ≠ predicted). */
function differences(held: TargetState, predicted: TargetState): string[] {
  const keys = [...new Set([...held.keys(), ...predicted.keys()])].sort();
  const show = (h: Held | undefined) => (h ? `${h.enabled ? 'enabled' : 'disabled'} [${h.groups.join(',')}] ${h.department}` : 'absent');
  return keys
    .filter((k) => show(held.get(k)) !== show(predicted.get(k)))
    .slice(0, 10)
    .map((k) => `${k}: ${show(held.get(k))} ≠ ${show(predicted.get(k))}`);
}

async function count(muster: Muster, from: string): Promise<number> {
  const rows = await muster.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from}`);
  return rows[0]?.n ?? -1;
}

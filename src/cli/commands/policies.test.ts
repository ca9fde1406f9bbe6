import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { describeEachStore, commandStoreEnv } from '../../../test/support/stores.ts';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { openStore } from '../../store/open.ts';
import type { CliIo } from '../io.ts';
import { cliOperatorToken } from '../test-operators.ts';
import { runCli } from '../main.ts';
import { importCommands } from './import.ts';
import { policyCommands } from './policies.ts';
import { jobCommands, provisionCommands } from './provisioning.ts';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const GROUPS = [importCommands, policyCommands, provisionCommands, jobCommands];
const LDAP_TARGET = { kind: 'ldap', url: 'ldap://127.0.0.1:1', bindDn: 'cn=a', bindPassword: 'x', usersDn: 'ou=people,dc=x', groupsDn: 'ou=groups,dc=x' };
const staff = (groups: string[]) => ({
  kind: 'birthright',
  description: 'Finance staff',
  when: [{ attribute: 'department', in: ['Finance'] }],
  grants: [{ target: 'ldap', groups: groups.map((name) => ({ name })) }],
});

describeEachStore('muster policy and provision commands', (factory) => {
  let dir: string;
  let env: Record<string, string>;
  const ids = new Map<string, string>();

  async function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string; json(): any }> {
    const stdout = new Collector();
    const stderr = new Collector();
    const io: CliIo = { stdout, stderr, env, handleSignals: false };
    const code = await runCli(['--data-dir', join(dir, 'data'), '--config', join(dir, 'muster.json'), ...args], { io, groups: GROUPS });
    return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) };
  }

  async function file(name: string, content: unknown): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  async function withStore<T>(fn: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
    const store = await openStore({ dataDir: join(dir, 'data'), databaseUrl: env.DATABASE_URL });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-policy-cli-'));
    env = await commandStoreEnv(factory, join(dir, 'data'));
    await file('muster.json', { targets: { ldap: LDAP_TARGET }, workers: { enabled: false } });
    env.MUSTER_TOKEN = await cliOperatorToken({ dataDir: join(dir, 'data'), env, file: join(dir, 'muster.json') }, ['source-admin', 'policy-admin', 'provisioning-admin']);
    const imported = await run(['import', 'hr', await file('hr.csv', hrCsv([hrLine('E1'), hrLine('E2', { department: 'Legal' })]))]);
    assert.equal(imported.code, 0, imported.stderr);
    const rows = await withStore((store) => store.query(`SELECT id, attributes -> 'employee_id' ->> 'v' AS employee FROM identities`));
    for (const r of rows) ids.set(r.employee as string, r.id as string);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('policy set refuses a bad document naming the field, saves a good one, and versions the next', async () => {
    const bad = await run(['policy', 'set', 'staff', '--file', await file('bad.json', { ...staff([]), grants: [{ target: 'nowhere' }] }), '--reason', 'try']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error MUSTER_ERR_POLICY: /);
    assert.match(bad.stderr, /\n {2}grants\.0\.target: no target 'nowhere' is configured/);
    const notJson = await run(['policy', 'set', 'staff', '--file', await file('not.json', '{ kind:'), '--reason', 'try']);
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /^error MUSTER_ERR_VALIDATION: --file: /);
    const saved = await run(['policy', 'set', 'staff', '--file', await file('staff.json', staff(['staff'])), '--reason', 'Finance gets LDAP']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /^policy staff version 1 saved/);
    const second = await run(['policy', 'set', 'staff', '--file', await file('staff2.json', staff(['staff', 'finance'])), '--reason', 'and finance', '--json']);
    assert.equal(second.json().policy.version, 2);
  });

  it('policy list and show print the newest version and the history', async () => {
    const list = await run(['policy', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const [header, row] = list.stdout.trim().split('\n');
    assert.match(header ?? '', /^NAME\s+VERSION\s+KIND\s+ENABLED/);
    assert.match(row ?? '', /^staff\s+2\s+birthright\s+yes\s+operator:/);
    const show = await run(['policy', 'show', 'staff', '--json']);
    assert.deepEqual(
      show.json().items.map((p: any) => p.version),
      [2, 1],
    );
  });

  it('policy dry-run prints a readable plan per identity and the summary', async () => {
    const inForce = await run(['policy', 'dry-run']);
    assert.equal(inForce.code, 0, inForce.stderr);
    assert.deepEqual(inForce.stdout.trim().split('\n'), [
      `E1 (${ids.get('E1')}): create ldap E1; grant ldap/finance; grant ldap/staff`,
      'policies: staff v2',
      '1 of 3 identities would change: ldap.create 1, ldap.grant 2', // E1, E2 and the operator
    ]);
    const proposed = await file('proposed.json', { staff: null, everyone: { ...staff(['staff']), when: [] } });
    const json = await run(['policy', 'dry-run', '--file', proposed, '--identity', ids.get('E2') ?? '', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const plan = json.json();
    assert.deepEqual(plan.policies, [{ name: 'everyone', version: 'proposed' }]);
    assert.deepEqual(
      plan.changes.map((c: any) => [c.label, c.change.granted.map((g: any) => g.group)]),
      [['E2', ['staff']]],
    );
    assert.deepEqual(plan.summary, { 'ldap.create': 1, 'ldap.grant': 1 });
    const badId = await run(['policy', 'dry-run', '--identity', 'E1']);
    assert.equal(badId.code, 1);
    assert.match(badId.stderr, /--identity must be an identity id/);
  });

  it('policy disable adds a disabled version', async () => {
    const res = await run(['policy', 'disable', 'staff', '--reason', 'replaced']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^policy staff version 3 disabled/);
    assert.match((await run(['policy', 'dry-run'])).stdout, /^policies: none\n0 of \d+ identities would change: no changes\n$/);
  });

  it('provision status, dead and retry; job dead and retry', async () => {
    const at = '2026-03-01T09:00:00Z';
    const [op, job] = await withStore(async (store) => [
      (
        await store.query(
          `INSERT INTO provisioning_ops (target, identity_id, reason, status, attempts, run_after, last_error, created_at, updated_at) VALUES ('ldap', $1, 'policy:staff:1', 'dead', 8, $2, 'refused', $2, $2) RETURNING id`,
          [ids.get('E1'), at],
        )
      )[0]?.id,
      (
        await store.query(
          `INSERT INTO jobs (kind, idempotency_key, payload, status, attempts, run_after, last_error, created_at, updated_at) VALUES ('notify.binding', 'dead-1', '{}', 'dead', 8, $1, 'down', $1, $1) RETURNING id`,
          [at],
        )
      )[0]?.id,
    ]);
    const status = await run(['provision', 'status']);
    assert.match(status.stdout, /^TARGET\s+PENDING\s+RUNNING\s+FAILING\s+DEAD\s+LAG\nldap\s+0\s+0\s+0\s+1\s+0s\n$/);
    const dead = await run(['provision', 'dead', '--target', 'ldap', '--json']);
    assert.deepEqual(
      dead.json().items.map((o: any) => [o.id, o.lastError]),
      [[Number(op), 'refused']],
    );
    const retried = await run(['provision', 'retry', String(op)]);
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stdout, /back in the queue/);
    assert.match((await run(['provision', 'dead'])).stdout, /^no dead operations/);
    assert.match((await run(['job', 'dead'])).stdout, /notify\.binding\s+dead-1\s+8/);
    assert.equal((await run(['job', 'retry', String(job)])).code, 0);
    const again = await run(['job', 'retry', String(job)]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error MUSTER_ERR_CONFLICT: /);
  });
});

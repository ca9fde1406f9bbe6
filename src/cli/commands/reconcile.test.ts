import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { describeEachStore, commandStoreEnv } from '../../../test/support/stores.ts';
import { openStore } from '../../store/open.ts';
import type { CliIo } from '../io.ts';
import { cliOperatorToken } from '../test-operators.ts';
import { runCli } from '../main.ts';
import { reconcileCommands } from './reconcile.ts';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const LDAP_TARGET = { kind: 'ldap', url: 'ldap://127.0.0.1:1', bindDn: 'cn=a', bindPassword: 'x', usersDn: 'ou=people,dc=x', groupsDn: 'ou=groups,dc=x', timeoutMs: 500 };
const ORPHAN = `INSERT INTO accounts (id, target, account_ref, status, privileged, remote_id, synced, situation, created_at, updated_at, disabled_at)
  VALUES (gen_random_uuid(), 'ldap', $1, 'disabled', $2, $1, $3, 'unmatched', $4, $4, $4)`;

describeEachStore('muster reconcile and orphans', (factory) => {
  let dir: string;
  let env: Record<string, string>;

  async function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new Collector();
    const stderr = new Collector();
    const io: CliIo = { stdout, stderr, env, handleSignals: false };
    const code = await runCli(['--data-dir', join(dir, 'data'), '--config', join(dir, 'muster.json'), ...args], { io, groups: [reconcileCommands] });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-reconcile-cli-'));
    env = await commandStoreEnv(factory, join(dir, 'data'));
    await writeFile(join(dir, 'muster.json'), JSON.stringify({ targets: { ldap: LDAP_TARGET }, workers: { enabled: false } }));
    env.MUSTER_TOKEN = await cliOperatorToken({ dataDir: join(dir, 'data'), env, file: join(dir, 'muster.json') }, ['provisioning-admin']);
    assert.equal((await run(['orphans'])).stdout.trim(), 'no orphaned accounts');
    const store = await openStore({ dataDir: join(dir, 'data'), databaseUrl: env.DATABASE_URL });
    try {
      const longAgo = new Date('2020-01-01T00:00:00Z');
      await store.query(ORPHAN, ['uid=plain', false, { enabled: false, fields: {}, groups: ['staff'] }, longAgo]);
      await store.query(ORPHAN, ['uid=root', true, { enabled: false, fields: {}, groups: ['admins'] }, new Date()]);
    } finally {
      await store.close();
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('lists orphans privileged first, and archives the ones disabled long enough', async () => {
    const listed = await run(['orphans', '--target', 'ldap']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      listed.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/).slice(0, 4)),
      [
        ['ldap', 'uid=root', 'disabled', 'yes'],
        ['ldap', 'uid=plain', 'disabled', '-'],
      ],
    );
    const archived = await run(['reconcile', 'archive']);
    assert.equal(archived.code, 0, archived.stderr);
    assert.equal(archived.stdout.trim(), 'archived 1 orphan account(s) and 0 leaver account(s)');
    assert.deepEqual((await run(['orphans', '--json'])).stdout.includes('uid=plain'), false);
  });

  it('refuses an unknown target, and records a run whose target cannot be reached as failed', async () => {
    const unknown = await run(['reconcile', 'nowhere']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error MUSTER_ERR_NOT_FOUND: no target 'nowhere' is configured/);
    const down = await run(['reconcile', 'ldap']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^error MUSTER_ERR_TARGET_UNAVAILABLE: /);
    const store = await openStore({ dataDir: join(dir, 'data'), databaseUrl: env.DATABASE_URL });
    try {
      const runs = await store.query<{ status: string }>('SELECT status FROM reconciliation_runs');
      assert.deepEqual(
        runs.map((r) => r.status),
        ['failed'],
      );
    } finally {
      await store.close();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { describeEachStore, commandStoreEnv } from '../../../test/support/stores.ts';
import { openStore } from '../../store/open.ts';
import type { CliIo } from '../io.ts';
import { cliOperatorToken } from '../test-operators.ts';
import { runCli } from '../main.ts';
import { importCommands } from './import.ts';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describeEachStore('muster identity hold, release and holds', (factory) => {
  let dir: string;
  let env: Record<string, string>;
  let id: string;

  async function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new Collector();
    const stderr = new Collector();
    const io: CliIo = { stdout, stderr, env, handleSignals: false };
    const code = await runCli(['--data-dir', join(dir, 'data'), '--config', join(dir, 'muster.json'), ...args], { io, groups: [importCommands] });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-holds-cli-'));
    env = await commandStoreEnv(factory, join(dir, 'data'));
    await writeFile(join(dir, 'muster.json'), JSON.stringify({ workers: { enabled: false } }));
    await writeFile(join(dir, 'hr.csv'), hrCsv([hrLine('E1')]));
    env.MUSTER_TOKEN = await cliOperatorToken({ dataDir: join(dir, 'data'), env, file: join(dir, 'muster.json') }, ['source-admin', 'security-officer']);
    const imported = await run(['import', 'hr', join(dir, 'hr.csv')]);
    assert.equal(imported.code, 0, imported.stderr);
    const listed = await run(['--json', 'identity', 'list']);
    id = JSON.parse(listed.stdout).items[0].id;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('holds an identity, lists the hold, shows it, and refuses a release by the same actor', async () => {
    assert.equal((await run(['identity', 'holds'])).stdout.trim(), 'no active holds');
    const held = await run(['identity', 'hold', id, '--reason', 'under investigation']);
    assert.equal(held.code, 0, held.stderr);
    assert.match(held.stdout, new RegExp(`identity ${id} is held`));
    const holds = JSON.parse((await run(['--json', 'identity', 'holds'])).stdout).items;
    assert.deepEqual(
      holds.map((h: any) => [h.identityId, h.reason]),
      [[id, 'under investigation']],
    );
    const shown = await run(['identity', 'show', id]);
    assert.match(shown.stdout, /status suspended/);
    assert.match(shown.stdout, /under investigation \(active\)/);
    const again = await run(['identity', 'hold', id, '--reason', 'twice']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already held/);
    const refused = await run(['identity', 'release', id, '--reason', 'done']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /another actor must release it/);
    const store = await openStore({ dataDir: join(dir, 'data'), databaseUrl: env.DATABASE_URL });
    try {
      const [row] = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'identity.hold_release_refused' AND target = $1`, [id]);
      assert.equal(row?.n, 1);
    } finally {
      await store.close();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { describeEachStore, commandStoreEnv } from '../../../test/support/stores.ts';
import { openStore } from '../../store/open.ts';
import type { CliIo } from '../io.ts';
import { runCli } from '../main.ts';
import { accessCommands } from './access.ts';
import { catalogueCommands } from './catalogue.ts';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const OWNER = '00000000-0000-4000-8000-0000000000c1';
const CLERK = '00000000-0000-4000-8000-0000000000c2';

describeEachStore('muster catalogue and access commands', (factory) => {
  let dir: string;
  let env: Record<string, string>;
  const tokens: Record<string, string> = {};

  async function run(args: readonly string[], token?: string): Promise<{ code: number; stdout: string; stderr: string; json(): any }> {
    const stdout = new Collector();
    const stderr = new Collector();
    const io: CliIo = { stdout, stderr, env: token === undefined ? env : { ...env, MUSTER_TOKEN: token }, handleSignals: false };
    const code = await runCli(['--data-dir', join(dir, 'data'), ...args], { io, groups: [catalogueCommands, accessCommands] });
    return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-access-cli-'));
    env = await commandStoreEnv(factory, join(dir, 'data'));
    assert.equal((await run(['identity', 'list'])).code, 0);
    const store = await openStore({ dataDir: join(dir, 'data'), databaseUrl: env.DATABASE_URL });
    try {
      for (const id of [OWNER, CLERK]) await store.query(`INSERT INTO identities (id, kind, status, last_updated, created_at, updated_at) VALUES ($1, 'person', 'active', now(), now(), now())`, [id]);
    } finally {
      await store.close();
    }
    tokens.owner = (await run(['operator', 'bootstrap', OWNER, '--roles', 'operator-admin,policy-admin', '--json'])).json().token;
    assert.equal((await run(['operator', 'grant', CLERK, '--role', 'helpdesk', '--reason', 'the help desk'], tokens.owner)).code, 0);
    tokens.clerk = (await run(['token', 'create', '--for', CLERK, '--roles', 'helpdesk', '--json'], tokens.owner)).json().token;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('saves and lists catalogue items', async () => {
    const file = join(dir, 'reports.json');
    await writeFile(file, JSON.stringify({ kind: 'role', role: 'auditor', description: 'Read the reports', owners: [OWNER], maxDays: 30, approvals: ['owner'] }));
    const saved = await run(['catalogue', 'set', 'reports', '--file', file, '--reason', 'offered'], tokens.owner);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /catalogue item reports version 1 saved/);
    const listed = await run(['catalogue', 'list']);
    assert.match(listed.stdout, /reports +1 +role:auditor +no +30 +owner/);
  });

  it('requests, shows the inbox, refuses the beneficiary as approver, and grants on the owner’s approval', async () => {
    const made = await run(['access', 'request', '--item', 'reports', '--justification', 'quarterly figures', '--until', '10d', '--json'], tokens.clerk);
    assert.equal(made.code, 0, made.stderr);
    const id = made.json().request.id as string;
    const inbox = await run(['access', 'inbox', '--json'], tokens.owner);
    assert.deepEqual(
      inbox.json().items.map((r: any) => r.id),
      [id],
    );
    const own = await run(['access', 'approve', id, '--reason', 'mine'], tokens.clerk);
    assert.equal(own.code, 1);
    assert.match(own.stderr, /MUSTER_ERR_SEPARATION_OF_DUTIES: the approver is never the beneficiary/);
    const approved = await run(['access', 'approve', id, '--reason', 'fine'], tokens.owner);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /is granted/);
    const mine = await run(['access', 'list', '--json'], tokens.clerk);
    assert.equal(mine.json().items[0].status, 'granted');
  });
});

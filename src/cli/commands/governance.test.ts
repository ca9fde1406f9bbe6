import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { describeEachStore, commandStoreEnv } from '../../../test/support/stores.ts';
import { loadConfig } from '../../config/load.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { startMuster } from '../../runtime/context.ts';
import type { CliIo } from '../io.ts';
import { runCli } from '../main.ts';
import { governanceCommands } from './governance.ts';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describeEachStore('muster sod, review and identity archive', (factory) => {
  let dir: string;
  let env: Record<string, string>;
  let officer: string;

  async function run(args: readonly string[], token?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new Collector();
    const stderr = new Collector();
    const io: CliIo = { stdout, stderr, env: token === undefined ? env : { ...env, MUSTER_TOKEN: token }, handleSignals: false };
    const code = await runCli(['--data-dir', join(dir, 'data'), ...args], { io, groups: [governanceCommands] });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-governance-cli-'));
    env = await commandStoreEnv(factory, join(dir, 'data'));
    const ctx = await startMuster(loadConfig({ env, overrides: { dataDir: join(dir, 'data'), import: { massChangeShare: 1 } } }));
    try {
      const file = join(dir, 'hr.csv');
      await writeFile(file, hrCsv([hrLine('E1'), hrLine('E2', { manager: 'E1' })]));
      assert.equal((await ctx.imports.run({ source: 'hr', file, actor: 'hr-feed' })).status, 'applied');
      officer = (await testOperator(ctx, ['security-officer'])).token;
      await ctx.policies.save('roles-sod', { kind: 'separation', description: 'no auditor writes policies', sides: [[{ role: 'auditor' }], [{ role: 'policy-admin' }]] }, 'test', 'sod');
      await testOperator(ctx, ['auditor', 'policy-admin']);
    } finally {
      await ctx.close();
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('lists the violations, as a table and as JSON', async () => {
    const table = await run(['sod', 'violations']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /roles-sod\s+role:auditor\s+role:policy-admin\s+-/);
    const json = JSON.parse((await run(['--json', 'sod', 'violations'])).stdout);
    assert.equal(json.items.length, 1);
  });

  it('opens a campaign as the security officer of MUSTER_TOKEN, shows it, writes its evidence; refuses no token, and a bad scope naming it', async () => {
    const anonymous = await run(['review', 'campaign', 'create', '--scope', 'privileged', '--reviewers', 'manager', '--due', '14d', '--reason', 'x']);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /MUSTER_ERR_UNAUTHENTICATED/);
    const bad = await run(['review', 'campaign', 'create', '--scope', 'everything', '--reviewers', 'manager', '--due', '14d', '--reason', 'x'], officer);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /MUSTER_ERR_VALIDATION.*scope/);
    const created = JSON.parse((await run(['--json', 'review', 'campaign', 'create', '--scope', 'privileged', '--reviewers', 'manager', '--due', '14d', '--reason', 'quarterly'], officer)).stdout);
    assert.equal(created.items, 3, 'the three operator roles');
    const shown = await run(['review', 'campaign', 'show', created.campaign.id]);
    assert.match(shown.stdout, /open, due/);
    const items = JSON.parse((await run(['--json', 'review', 'items', '--campaign', created.campaign.id])).stdout).items;
    assert.equal(items.length, 3);
    const out = join(dir, 'evidence.jws');
    assert.equal((await run(['review', 'campaign', 'evidence', created.campaign.id, '--out', out], officer)).code, 0);
    assert.match(JSON.parse(await readFile(out, 'utf8')).payload, /^[A-Za-z0-9_-]+$/);
  });

  it('archive --dry-run lists nobody due in a fresh agency, and the real run archives nobody', async () => {
    assert.match((await run(['identity', 'archive', '--dry-run'])).stdout, /nobody is due/);
    assert.match((await run(['identity', 'archive'], officer)).stdout, /0 identities archived/);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { describeEachStore, commandStoreEnv } from '../../../test/support/stores.ts';
import { loadConfig } from '../../config/load.ts';
import { startMuster } from '../../runtime/context.ts';
import type { CliIo } from '../io.ts';
import { runCli } from '../main.ts';
import { reportCommands } from './report.ts';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describeEachStore('muster report', (factory) => {
  let dir: string;
  let env: Record<string, string>;

  async function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new Collector();
    const stderr = new Collector();
    const io: CliIo = { stdout, stderr, env, handleSignals: false };
    const code = await runCli(['--data-dir', join(dir, 'data'), ...args], { io, groups: [reportCommands] });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-report-cli-'));
    env = await commandStoreEnv(factory, join(dir, 'data'));
    const ctx = await startMuster(loadConfig({ env, overrides: { dataDir: join(dir, 'data'), import: { massChangeShare: 1 } } }));
    try {
      const file = join(dir, 'hr.csv');
      await writeFile(file, hrCsv([hrLine('E1'), hrLine('E2', { user_type: 'contractor', full_name: '"-2 Family2, Given2"' })]));
      assert.equal((await ctx.imports.run({ source: 'hr', file, actor: 'hr-feed' })).status, 'applied');
    } finally {
      await ctx.close();
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints a table, JSON with --json, and RFC 4180 CSV with --format csv', async () => {
    const table = await run(['report', 'phishing-resistant-coverage']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^user_type\s+active\s+piv/);
    assert.match(table.stdout, /\ncontractor\s+1\s+0\s+0\s+0\s+1\s+0\s+0\n/);
    const json = JSON.parse((await run(['--json', 'report', 'phishing-resistant-coverage'])).stdout);
    assert.deepEqual(
      json.rows.map((r: any) => [r.user_type, r.active, r.share]),
      [
        ['contractor', 1, 0],
        ['government', 1, 0],
      ],
    );
    const csv = await run(['report', 'cdm-export', '--object', 'USER', '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.split('\r\n');
    assert.equal(lines[0]?.split(',')[0], 'object');
    assert.equal(lines.length, 4, 'a header, two identities, and the final CRLF');
    assert.ok(lines.some((l) => l.includes(`"'-2 Family2, Given2"`)));
  });

  it('refuses an unknown report or format, naming it', async () => {
    const unknown = await run(['report', 'everything']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no report everything/);
    const format = await run(['report', 'orphans', '--format', 'xlsx']);
    assert.equal(format.code, 1);
    assert.match(format.stderr, /--format must be one of csv, json/);
  });
});

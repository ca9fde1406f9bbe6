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
import { createJobWorker } from '../../runtime/workers.ts';
import type { CliIo } from '../io.ts';
import { runCli } from '../main.ts';
import { elapsed } from './trace-render.ts';
import { traceCommands } from './trace.ts';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describeEachStore('muster trace', (factory) => {
  let dir: string;
  let env: Record<string, string>;
  let leaver: number;
  let identityId: string;

  async function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new Collector();
    const stderr = new Collector();
    const io: CliIo = { stdout, stderr, env, handleSignals: false };
    const code = await runCli(['--data-dir', join(dir, 'data'), ...args], { io, groups: [traceCommands] });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-trace-cli-'));
    env = await commandStoreEnv(factory, join(dir, 'data'));
    const ctx = await startMuster(loadConfig({ env, overrides: { dataDir: join(dir, 'data'), import: { massChangeShare: 1 } } }));
    try {
      for (const [status, correlationId] of [
        ['active', 'req-cli-join'],
        ['terminated', 'req-cli-leave'],
      ] as const) {
        const file = join(dir, `${status}.csv`);
        await writeFile(file, hrCsv([hrLine('E1', { status })]));
        assert.equal((await ctx.imports.run({ source: 'hr', file, actor: 'hr-feed', correlationId })).status, 'applied');
      }
      const worker = createJobWorker(ctx);
      while ((await worker.runOnce()).claimed > 0);
      const [event] = await ctx.store.query<{ id: number; identity_id: string }>(`SELECT id, identity_id FROM events WHERE type = 'identity.leaver'`);
      [leaver, identityId] = [Number(event?.id), event?.identity_id as string];
    } finally {
      await ctx.close();
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints the tree of an event: the event on its request, where it came from, each job and the audit entries', async () => {
    const out = await run(['trace', String(leaver)]);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', new RegExp(`^event ${leaver} identity\\.leaver  identity ${identityId}  source hr  request req-cli-leave  at \\S+  settled \\+`));
    assert.match(lines[1] ?? '', /^ {2}from: source:hr identity\.leaver \(active -> inactive\)/);
    assert.ok(
      lines.some((l) => /^ {2}job \d+ access\.recompute: done, 1 attempt, \+/.test(l)),
      out.stdout,
    );
    assert.ok(
      lines.some((l) => /^ {2}sessions ended: 0, back-channel logouts: -/.test(l)),
      out.stdout,
    );
    assert.ok(
      lines.some((l) => /^ {2}audit #\d+ \S+ muster oidc\.sessions\.ended/.test(l)),
      out.stdout,
    );
  });

  it('prints the same tree as JSON, and the events of an identity since a time', async () => {
    const json = JSON.parse((await run(['--json', 'trace', String(leaver)])).stdout);
    assert.deepEqual([json.event.id, json.event.correlationId], [leaver, 'req-cli-leave']);
    const listed = JSON.parse((await run(['--json', 'trace', '--identity', identityId, '--since', '2000-01-01'])).stdout);
    assert.deepEqual(
      listed.items.map((t: { event: { type: string } }) => t.event.type),
      ['identity.joiner', 'identity.leaver'],
    );
    assert.match((await run(['trace', '--identity', identityId, '--since', '2999-01-01'])).stdout, /^no events of /);
  });

  it('refuses an unknown event, a bad id, and --identity without --since, naming what is wrong', async () => {
    const unknown = await run(['--json', 'trace', '9999999']);
    assert.equal(unknown.code, 1);
    assert.equal(JSON.parse(unknown.stdout).error.code, 'MUSTER_ERR_NOT_FOUND');
    const bad = await run(['--json', 'trace', 'abc']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout, /event-id/);
    const since = await run(['--json', 'trace', '--identity', identityId]);
    assert.equal(JSON.parse(since.stdout).error.details[0].field, 'since');
  });

  it('shows durations the way an operator reads them', () => {
    assert.deepEqual([elapsed(null), elapsed(250), elapsed(42_000), elapsed(420_000), elapsed(7_500_000)], ['not ended', '+250ms', '+42s', '+7m0s', '+2h5m']);
  });
});

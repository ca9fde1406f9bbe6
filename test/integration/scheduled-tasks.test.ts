// `muster serve` and `muster worker` run their periodic work on the one scheduler: /metrics names every task.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { seedPgliteDataDir } from '../support/pglite-template.ts';
import { waitUntil } from '../support/wait.ts';

const BIN = fileURLToPath(new URL('../../bin/muster.js', import.meta.url));

const WORKER_TASKS = [
  'lifecycle.npe-expiry',
  'imports.held-expiry',
  'tickets.escalation',
  'reconcile.archive',
  'access.training-expiry',
  'signals.account-purge',
  'access.requests',
  'pending-actions.expire',
  'governance.campaigns',
  'sod.scan',
  'governance.archive',
  'audit.checkpoint',
];
const SERVE_TASKS = [...WORKER_TASKS, 'pki.revocation-publish', 'pki.ocsp-responder-renewal', 'oidc.maintenance', 'console.purge'];

const COMMANDS = {
  serve: {
    args: ['serve', '--port', '0', '--mtls-port', '0', '--json'],
    tasks: SERVE_TASKS,
    metrics: (out: Record<string, unknown>) => (typeof out.port === 'number' ? `http://127.0.0.1:${out.port}/metrics` : undefined),
  },
  worker: { args: ['worker', '--metrics-port', '0', '--json'], tasks: WORKER_TASKS, metrics: (out: Record<string, unknown>) => (typeof out.metrics === 'string' ? out.metrics : undefined) },
};

/** Starts the command on a fresh embedded store (a copy of the migrated template); the URL of its /metrics and the child. */
async function start(dir: string, args: readonly string[], metricsOf: (out: Record<string, unknown>) => string | undefined): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const configFile = join(dir, 'muster.json');
  await seedPgliteDataDir(join(dir, 'data'));
  await writeFile(configFile, JSON.stringify({ dataDir: join(dir, 'data'), workers: { pollMs: 50 }, log: { level: 'warn' } }));
  const child = spawn(process.execPath, [BIN, ...args, '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', MUSTER_TEST: '', MUSTER_TEST_POSTGRES: undefined },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const found = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => metricsOf(JSON.parse(l) as Record<string, unknown>))
        .find(Boolean);
      if (found) resolve(found);
    });
    child.once('exit', (code, signal) => reject(new Error(`exited (${code ?? signal}) before listening:\n${stderr}\n${stdout}`)));
  });
  return { child, url, stderr: () => stderr };
}

for (const [name, command] of Object.entries(COMMANDS))
  describe(`muster ${name}`, () => {
    let dir: string;
    let child: ChildProcess | undefined;
    after(async () => {
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child?.once('exit', resolve));
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test(`registers its periodic tasks on the scheduler, shown in /metrics with their runs`, { timeout: 120_000 }, async () => {
      dir = await mkdtemp(join(tmpdir(), `muster-tasks-${name}-`));
      const started = await start(dir, command.args, command.metrics);
      child = started.child;
      const text = async () => (await fetch(started.url, { signal: AbortSignal.timeout(10_000) })).text();
      const metrics = await text();
      for (const task of command.tasks) assert.match(metrics, new RegExp(`muster_scheduler_runs_total\\{task="${task.replace('.', '\\.')}",outcome="failure"\\} 0`), `${task} in /metrics`);
      // the tasks run at start end well, and say when
      await waitUntil('the sweeps ran', async () => /muster_scheduler_runs_total\{task="audit\.checkpoint",outcome="success"\} [1-9]/.test(await text()), { timeoutMs: 30_000, intervalMs: 200 });
      assert.match(await text(), /muster_scheduler_last_success_timestamp_seconds\{task="lifecycle\.npe-expiry"\} \d/);
      assert.doesNotMatch(started.stderr(), /periodic task failing/);
    });
  });

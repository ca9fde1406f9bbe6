// A PostgreSQL restart or outage under a running `muster serve` (which runs the outbox worker) and a
// `muster worker` (its /health on --metrics-port): the shared
// test server cannot be restarted, so a restart is played by terminating the store's backends
// (pg_terminate_backend on its application_name) and an outage by closing a loopback TCP proxy in front of it.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { isMusterError } from '../../src/core/errors.ts';
import { openStore } from '../../src/store/open.ts';
import { POSTGRES_URL, freshSchemaUrl, postgresRequired, reachable } from '../support/stores.ts';
import { type TcpProxy, startTcpProxy } from '../support/tcp-proxy.ts';
import { type WaitOptions, waitUntil } from '../support/wait.ts';

const BIN = fileURLToPath(new URL('../../bin/muster.js', import.meta.url));

function postgresSkip(ok: boolean): string | false {
  if (ok) return false;
  if (postgresRequired()) throw new Error(`PostgreSQL is required here but not reachable at ${POSTGRES_URL}`);
  process.stderr.write(`# PostgreSQL not reachable at ${POSTGRES_URL}: the store outage test was not run\n`);
  return 'PostgreSQL not reachable';
}

const skip = postgresSkip(await reachable());
/** Statements fail while the server is cut off: those looks count as "not yet". */
const OUTAGE_WAIT: WaitOptions = { timeoutMs: 20_000, intervalMs: 50, retryOnError: true };

describe('a PostgreSQL store whose connections are terminated', { skip }, () => {
  test('a transaction cut off mid-statement fails with MUSTER_ERR_STORE_UNAVAILABLE without crashing the process; the next statements reconnect', async () => {
    const app = `muster-store-${randomBytes(4).toString('hex')}`;
    const url = new URL(await freshSchemaUrl());
    url.searchParams.set('application_name', app);
    const store = await openStore({ dataDir: ':memory:', databaseUrl: url.toString(), poolSize: 2 });
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    const changes: boolean[] = [];
    store.availability.onChange((available) => changes.push(available));
    try {
      await store.query('SELECT 1'); // an idle pooled connection, terminated below too
      const cut = store.transaction(async (tx) => {
        await tx.query(`INSERT INTO settings (key, value) VALUES ('cut', '1'::jsonb)`);
        await tx.query('SELECT pg_sleep(10)');
      });
      // it may reject while the termination below is still being answered, before assert.rejects holds it
      cut.catch(() => {});
      await waitUntil(
        'the transaction under way',
        async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%pg_sleep%' AND state = 'active'`, [app])).rowCount === 1,
        OUTAGE_WAIT,
      );
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]);
      await assert.rejects(cut, (e) => isMusterError(e, 'MUSTER_ERR_STORE_UNAVAILABLE'));
      await sleep(100); // the terminated sockets report their end
      assert.deepEqual(await store.query(`SELECT key FROM settings WHERE key = 'cut'`), []);
      await store.transaction((tx) => tx.query(`INSERT INTO settings (key, value) VALUES ('after', '1'::jsonb)`));
      await store.ping(2000);
      assert.deepEqual(changes, [false, true]);
    } finally {
      await admin.end();
      await store.close();
    }
  });
});

const COMMANDS = {
  serve: { args: ['serve', '--port', '0', '--mtls-port', '0', '--json'], base: (out: Record<string, unknown>) => (typeof out.port === 'number' ? `http://127.0.0.1:${out.port}` : undefined) },
  worker: { args: ['worker', '--metrics-port', '0', '--json'], base: (out: Record<string, unknown>) => (typeof out.metrics === 'string' ? out.metrics.replace(/\/metrics$/, '') : undefined) },
};

for (const [name, command] of Object.entries(COMMANDS))
  describe(`a PostgreSQL restart and outage under muster ${name}`, { skip }, () => {
    const app = `muster-outage-${randomBytes(4).toString('hex')}`;
    let dir: string;
    let proxy: TcpProxy;
    let direct: pg.Client;
    let child: ChildProcess;
    let base: string;
    let stderr = '';
    let exited: { code: number | null; signal: string | null } | null = null;

    const logLines = (from = 0) =>
      stderr
        .slice(from)
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; level: string });
    const health = async () => {
      const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const alive = () => assert.equal(exited, null, `${name} exited: ${JSON.stringify(exited)}\n${stderr.slice(-3000)}`);

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'muster-outage-'));
      const schemaUrl = new URL(await freshSchemaUrl());
      direct = new pg.Client({ connectionString: schemaUrl.toString() });
      await direct.connect();
      const upstream = new URL(POSTGRES_URL);
      proxy = await startTcpProxy({ host: upstream.hostname, port: Number(upstream.port || 5432) });
      const viaProxy = new URL(schemaUrl);
      viaProxy.port = String(proxy.port);
      viaProxy.searchParams.set('application_name', app);
      const configFile = join(dir, 'muster.json');
      await writeFile(configFile, JSON.stringify({ databaseUrl: viaProxy.toString(), dataDir: join(dir, 'data'), workers: { pollMs: 50, maxAttempts: 1 }, log: { level: 'info' } }));
      child = spawn(process.execPath, [BIN, ...command.args, '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', MUSTER_TEST: '' } });
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.once('exit', (code, signal) => (exited = { code, signal }));
      let stdout = '';
      base = await new Promise<string>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          const url = stdout
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => command.base(JSON.parse(l) as Record<string, unknown>))
            .find(Boolean);
          if (url) resolve(url);
        });
        child.once('exit', () => reject(new Error(`${name} exited before listening:\n${stderr}`)));
      });
    });

    after(async () => {
      if (child && exited === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await direct?.end();
      await proxy?.close();
      await rm(dir, { recursive: true, force: true });
    });

    const terminate = () => direct.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [app]);
    const queueJob = async (key: string) =>
      (
        await direct.query<{ id: string }>(
          `INSERT INTO jobs (kind, idempotency_key, payload, run_after, created_at, updated_at) VALUES ('access.recompute-all', $1, '{}', now(), now(), now()) RETURNING id`,
          [key],
        )
      ).rows[0]!.id;
    const jobStatus = async (id: string) => (await direct.query<{ status: string }>('SELECT status FROM jobs WHERE id = $1', [id])).rows[0]!.status;

    test(`backends terminated under a busy worker: ${name} keeps answering and every job is done`, async () => {
      assert.equal((await health()).status, 200);
      const ids: string[] = [];
      for (let i = 0; i < 300; i++) ids.push(await queueJob(`restart-${i}`));
      for (let i = 0; i < 8; i++) {
        await terminate();
        await sleep(40);
      }
      alive();
      await waitUntil(
        'every job done',
        async () => (await direct.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1::bigint[]) AND status = 'done'`, [ids])).rows[0]!.n === ids.length,
        OUTAGE_WAIT,
      );
      const dead = await direct.query(`SELECT id, last_error FROM jobs WHERE status = 'dead'`);
      assert.deepEqual(dead.rows, []);
      assert.deepEqual(await health(), { status: 200, body: { status: 'ok', store: 'available' } });
      alive();
    });

    test('the store down: /health is 503, a job queued meanwhile runs after it, one log line per change', async () => {
      const from = stderr.length;
      await proxy.close();
      await waitUntil('/health 503', async () => (await health()).status === 503, OUTAGE_WAIT);
      assert.deepEqual(await health(), { status: 503, body: { status: 'unavailable', store: 'unavailable' } });
      const id = await queueJob('during-outage');
      await sleep(1500); // the worker polls every 50 ms and fails each time
      alive();
      await proxy.open();
      await waitUntil('/health 200', async () => (await health()).status === 200, OUTAGE_WAIT);
      await waitUntil('the job queued during the outage done', async () => (await jobStatus(id)) === 'done', OUTAGE_WAIT);
      alive();
      await sleep(300);
      const lines = logLines(from);
      const store = lines.filter((l) => /^store /.test(l.msg)).map((l) => `${l.level} ${l.msg}`);
      assert.deepEqual(store, ['error store unavailable', 'info store available again']);
      assert.deepEqual(
        lines.filter((l) => l.level === 'error' && !/^store /.test(l.msg)).map((l) => l.msg),
        [],
        'no line per failed attempt',
      );
    });
  });

// The pieces of the lifecycle benchmarks: a muster on a fresh PostgreSQL database with four real targets
// (an OpenLDAP slapd, two SCIM services on SCIMMY and a Samba AD DC when Samba is installed and the bench runs as
// root), one policy giving everyone an account in each, and the outbox and provisioning workers in the same process.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testOperator } from '../../src/operators/test-operators.ts';
import { freshDatabase } from '../database.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Connector } from '../../src/connectors/accounts/port.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { type RunningServer, serveHttp } from '../../src/http/serve.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { openConnectors } from '../../src/runtime/connectors.ts';
import { createProvisioningWorker } from '../../src/runtime/provisioning.ts';
import { startJobWorker } from '../../src/runtime/workers.ts';
import { type ScimService, startScimService } from '../../test/support/scim-service.ts';
import { type SambaAd, SAMBA, SAMBA_TOOL, startSambaAd } from '../../test/support/samba-ad.ts';
import { type SlapdInstance, startSlapd } from '../../test/support/slapd.ts';
import { HR_HEADER, hrLine } from '../../test/support/muster.ts';

/** Poll interval of both workers: the latency floor of the queue hand-offs. */
export const POLL_MS = 20;

/** Samba's DC runs as root only: without it (or without Samba, or with MUSTER_BENCH_AD=0) the bench runs on the other three targets. */
export const WITH_AD = process.env.MUSTER_BENCH_AD !== '0' && SAMBA !== null && SAMBA_TOOL !== null && process.getuid?.() === 0;

export const EVERYONE = {
  kind: 'birthright',
  description: 'every person has an account in each target',
  when: [{ attribute: 'kind', in: ['person'] }],
  grants: [{ target: 'directory', groups: [{ name: 'all-staff' }] }, { target: 'portal' }, { target: 'finance-app' }, ...(WITH_AD ? [{ target: 'ad', groups: [{ name: 'all-staff' }] }] : [])],
};

export interface Bench {
  readonly muster: Muster;
  readonly dir: string;
  readonly base: string;
  readonly token: string;
  readonly connectors: ReadonlyMap<string, Connector>;
  /** Connectors of the same targets that have not asked what the targets can do: one request a call (no SCIM /Bulk). */
  readonly plain: ReadonlyMap<string, Connector>;
  readonly slapd: SlapdInstance;
  readonly scim: readonly ScimService[];
  readonly ad: SambaAd | null;
  /** An HR snapshot of `ids`, each with `status`, except those in `terminated`. */
  importHr(name: string, ids: readonly string[], status: string, terminated?: ReadonlySet<string>, over?: (id: string) => Record<string, string>): Promise<void>;
  /** Stops the workers (the muster and the targets stay up). */
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

/** Both SCIM services take /Bulk (as SCIMMY's router does), as many operations a request as SCIMMY's default payload allows. */
const SCIM_BULK = { maxOperations: 1000, maxPayloadSize: 1_048_576 };

export const employeeIds = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => `E${String(offset + i).padStart(7, '0')}`);

export interface BenchOptions {
  /** Samba's AD DC as a fourth target when it can run here (default); false: the three other targets only. */
  readonly ad?: boolean;
  /** Operations in flight against the directory (default 16, as against the other targets). */
  readonly directoryConcurrency?: number;
}

export async function startBench(database: string, options: BenchOptions = {}): Promise<Bench> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-lifecycle-'));
  // SCIMMY's PatchOp handles ~130 PATCH/s here; the services apply a plain `active` replacement directly (fastPatch)
  // so that the SCIM peers are not what is measured. Everything else goes through SCIMMY.
  const [slapd, portal, finance] = await Promise.all([startSlapd(), startScimService({ fastPatch: true, bulk: SCIM_BULK }), startScimService({ fastPatch: true, bulk: SCIM_BULK })]);
  const ad = WITH_AD && options.ad !== false ? await startSambaAd() : null;
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: join(dir, 'data'),
      databaseUrl: await freshDatabase(database),
      import: { massChangeShare: 1 },
      workers: { pollMs: POLL_MS },
      lifecycle: { provisioning: { pollMs: POLL_MS, batchSize: 500 } },
      targets: {
        directory: { kind: 'ldap', ...slapd.options, concurrency: options.directoryConcurrency ?? 16 },
        portal: { kind: 'scim', baseUrl: portal.baseUrl, auth: { type: 'bearer', token: portal.token }, concurrency: 16 },
        'finance-app': { kind: 'scim', baseUrl: finance.baseUrl, auth: { type: 'bearer', token: finance.token }, concurrency: 16 },
        ...(ad ? { ad: { kind: 'ad', ...ad.options, concurrency: 16 } } : {}),
      },
    },
  });
  const muster = await startMuster(config);
  const everyone = ad ? EVERYONE : { ...EVERYONE, grants: EVERYONE.grants.filter((g) => g.target !== 'ad') };
  await muster.policies.save('everyone', everyone, 'bench', 'benchmark birthright');
  const token = (await testOperator(muster, ['source-feed:hr'])).token;
  const server: RunningServer = await serveHttp(createHttpApp(muster), { host: '127.0.0.1', port: 0 });
  // four claim loops share the outbox, as four worker processes would on one PostgreSQL server
  const stopJobs = startJobWorker(muster, { batchSize: 500, loops: 4 });
  const provisioning = createProvisioningWorker(muster);
  const plain = openConnectors(config);
  provisioning.worker.start();
  return {
    muster,
    dir,
    token,
    slapd,
    scim: [portal, finance],
    ad,
    connectors: provisioning.connectors,
    plain,
    base: `http://127.0.0.1:${server.port}`,
    async importHr(name, ids, status, terminated = new Set(), over = () => ({})) {
      const file = join(dir, `${name}.csv`);
      await writeFile(file, `${HR_HEADER}\n${ids.map((id) => hrLine(id, { ...over(id), status: terminated.has(id) ? 'terminated' : status })).join('\n')}\n`);
      const run = await muster.imports.run({ source: 'hr', file, actor: 'bench' });
      if (run.status !== 'applied') throw new Error(`import ${name}: ${run.status} ${JSON.stringify(run.errors.slice(0, 3))}`);
    },
    async stopWorkers() {
      await provisioning.worker.stop();
      await stopJobs?.();
    },
    async stop() {
      await provisioning.worker.stop();
      await stopJobs?.();
      await server.close();
      for (const c of [...provisioning.connectors.values(), ...plain.values()]) await c.close();
      await muster.close();
      await Promise.all([slapd.stop(), portal.stop(), finance.stop(), ad?.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until no provisioning operation or outbox job is left to do; the seconds it took. */
export async function drained(muster: Muster, deadlineMs = 600_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const [row] = await muster.store.query<{ ops: number; jobs: number }>(
      `SELECT (SELECT count(*)::int FROM provisioning_ops WHERE status IN ('pending', 'running')) AS ops,
              (SELECT count(*)::int FROM jobs WHERE status IN ('pending', 'running') AND run_after <= now()) AS jobs`,
    );
    if (row?.ops === 0 && row.jobs === 0) return (performance.now() - started) / 1000;
    if (performance.now() - started > deadlineMs) throw new Error(`not drained after ${deadlineMs} ms: ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

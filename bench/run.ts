// npm run bench — import throughput of the Master User Record, beside PostgreSQL's own COPY.
// Not a test: it prints figures. Sizes: MUSTER_BENCH_PEOPLE (default 1,000,000) on the PostgreSQL
// server, MUSTER_BENCH_PGLITE_PEOPLE (default 100,000) on embedded PGlite.
// Then the OCSP benchmark (bench/ocsp.ts) and certificate issuance (bench/issue.ts). MUSTER_BENCH_ONLY=import, ocsp or
// issue runs just one of them; then the lifecycle benchmarks (bench/lifecycle.ts: leaver propagation, mass
// termination, reconciliation of a million accounts), MUSTER_BENCH_ONLY=lifecycle; then federation (bench/federation.ts:
// PIV sign-ins per second beside a bare oidc-provider, HR termination to SET accepted), MUSTER_BENCH_ONLY=federation;
// then signed leaver evidence beside a plain read of the same rows (bench/evidence.ts), MUSTER_BENCH_ONLY=evidence; then
// OCSP and API requests/s with and without the listener limits (bench/limits.ts), MUSTER_BENCH_ONLY=limits; then the
// restart of muster serve on PGlite beside a bare open of the same folder (bench/restart.ts), MUSTER_BENCH_ONLY=restart;
// then OCSP from worker threads beside a bare node:http server laid out the same way (bench/ocsp-workers.ts),
// MUSTER_BENCH_ONLY=ocsp-workers; then the web console's dashboard and person page beside the same reads through the JSON
// API (bench/console.ts), MUSTER_BENCH_ONLY=console; then a certification campaign's items and revocations reaching the
// targets beside a mass termination of the same run (bench/campaign.ts), MUSTER_BENCH_ONLY=campaign.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDemoAgency } from '../src/demo/index.ts';
import { freshDatabase } from './database.ts';
import { issueBenchmark } from './issue.ts';
import { lifecycleBenchmark } from './lifecycle.ts';
import { federationBenchmark } from './federation.ts';
import { ocspBenchmark } from './ocsp.ts';
import { evidenceBenchmark } from './evidence.ts';
import { limitsBenchmark } from './limits.ts';
import { restartBenchmark } from './restart.ts';
import { ocspWorkersBenchmark } from './ocsp-workers.ts';
import { consoleBenchmark } from './console.ts';
import { campaignBenchmark } from './campaign.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const PEOPLE = Number(process.env.MUSTER_BENCH_PEOPLE ?? 1_000_000);
const PGLITE_PEOPLE = Number(process.env.MUSTER_BENCH_PGLITE_PEOPLE ?? 100_000);

interface Measured {
  rows: number;
  seconds: number;
  maxRssMiB: number;
  /** CPU time of muster's process (every thread) during the import: embedded PGlite's included, a PostgreSQL server's not. */
  cpuSeconds?: number;
  status?: string;
  summary?: Record<string, number>;
}

function child(script: string, args: string[]): Measured {
  const result = spawnSync(process.execPath, [join(here, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${script} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as Measured;
}

async function snapshots(dir: string, people: number): Promise<{ day0: string; day1: string }> {
  const started = performance.now();
  const day0 = await writeDemoAgency(join(dir, 'day0'), { seed: 42, people, day: 0 }, 'csv');
  const day1 = await writeDemoAgency(join(dir, 'day1'), { seed: 42, people, day: 1 }, 'csv');
  const changed = Object.values(day1.manifest.expected).reduce((n, list) => n + list.length, 0);
  line(`generated ${people.toLocaleString()} people (day 0) and the next day (${changed.toLocaleString()} changed rows) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { day0: day0.files.hr, day1: day1.files.hr };
}

const rate = (m: Measured) => Math.round(m.rows / m.seconds);
const line = (text: string) => process.stdout.write(`${text}\n`);

/** CPU seconds muster spent, which a busy machine changes less than the elapsed time. */
const cpuOf = (m: Measured) => (m.cpuSeconds === undefined ? '' : `  muster CPU ${m.cpuSeconds.toFixed(1)} s`);

function report(store: string, first: Measured, again: Measured, copy: Measured): void {
  line(`\n${store} — load average over the last minute ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`);
  line(`  COPY into a bare table (the floor):  ${rate(copy).toLocaleString().padStart(10)} records/s  ${copy.seconds.toFixed(1).padStart(6)} s`);
  line(
    `  first import into an empty MUR:      ${rate(first).toLocaleString().padStart(10)} records/s  ${first.seconds.toFixed(1).padStart(6)} s  peak RSS ${Math.round(first.maxRssMiB)} MiB  ${((rate(first) / rate(copy)) * 100).toFixed(1)}% of COPY${cpuOf(first)}`,
  );
  line(
    `  re-import of the next day's snapshot: ${rate(again).toLocaleString().padStart(9)} records/s  ${again.seconds.toFixed(1).padStart(6)} s  peak RSS ${Math.round(again.maxRssMiB)} MiB  ${((rate(again) / rate(copy)) * 100).toFixed(1)}% of COPY${cpuOf(again)}`,
  );
  const s = again.summary ?? {};
  line(`    next day: ${s.joiners} joiners, ${s.movers} movers, ${s.leavers} leavers, ${s.leave} leave, ${s.returns} returns, ${s.rehires} rehires, ${s.unchanged} unchanged`);
  for (const m of [first, again]) if (m.status !== 'applied') line(`  WARNING: a run ended ${m.status}`);
}

async function onServer(dir: string): Promise<void> {
  const files = await snapshots(join(dir, 'server'), PEOPLE);
  const url = await freshDatabase(process.env.MUSTER_BENCH_DATABASE_NAME ?? 'muster_bench');
  const first = child('import-once.ts', ['--url', url, '--file', files.day0]);
  const again = child('import-once.ts', ['--url', url, '--file', files.day1]);
  const copy = child('copy-floor.ts', ['--url', url, '--file', files.day0]);
  report(`PostgreSQL server (${PEOPLE.toLocaleString()} people)`, first, again, copy);
}

async function onPglite(dir: string): Promise<void> {
  const files = await snapshots(join(dir, 'pglite'), PGLITE_PEOPLE);
  const dataDir = join(dir, 'pglite-data');
  const first = child('import-once.ts', ['--dataDir', dataDir, '--file', files.day0]);
  const again = child('import-once.ts', ['--dataDir', dataDir, '--file', files.day1]);
  const copy = child('copy-floor.ts', ['--file', files.day0]);
  report(`embedded PGlite (${PGLITE_PEOPLE.toLocaleString()} people)`, first, again, copy);
}

const ONLY = process.env.MUSTER_BENCH_ONLY;
const SECTIONS = ['import', 'ocsp', 'issue', 'lifecycle', 'federation', 'evidence', 'limits', 'restart', 'ocsp-workers', 'console', 'campaign'];
if (ONLY !== undefined && !SECTIONS.includes(ONLY)) throw new Error(`MUSTER_BENCH_ONLY must be one of ${SECTIONS.join(', ')}, not ${ONLY}`);
if (ONLY === undefined || ONLY === 'import') {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-'));
  try {
    line('muster import benchmark — targets on a 2-core machine: first import ≥ 20,000 records/s, re-import ≥ 50,000 records/s, peak RSS < 1 GiB');
    await onServer(dir);
    await onPglite(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
if (ONLY === undefined || ONLY === 'ocsp') await ocspBenchmark();
if (ONLY === undefined || ONLY === 'issue') await issueBenchmark();
if (ONLY === undefined || ONLY === 'lifecycle') await lifecycleBenchmark();
if (ONLY === undefined || ONLY === 'federation') await federationBenchmark();
if (ONLY === undefined || ONLY === 'evidence') await evidenceBenchmark();
if (ONLY === undefined || ONLY === 'limits') await limitsBenchmark();
if (ONLY === undefined || ONLY === 'restart') await restartBenchmark();
if (ONLY === undefined || ONLY === 'ocsp-workers') await ocspWorkersBenchmark();
if (ONLY === undefined || ONLY === 'console') await consoleBenchmark();
if (ONLY === undefined || ONLY === 'campaign') await campaignBenchmark();

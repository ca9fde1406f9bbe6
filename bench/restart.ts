// The restart benchmark: `muster serve --demo` on PGlite restarted over its data folder, from spawn to the first
// 200 from /health, beside a bare Node process that opens the same folder with PGlite and asks one query (the floor
// muster's start cannot go under). MUSTER_BENCH_RESTARTS sets the number of timed starts of each (default 5); the
// median and the fastest are printed. Run alone with `node bench/restart.ts` or MUSTER_BENCH_ONLY=restart.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, killAll, track } from './ocsp/processes.ts';

const RESTARTS = Number(process.env.MUSTER_BENCH_RESTARTS ?? 5);
const here = fileURLToPath(new URL('.', import.meta.url));
const muster = join(here, '../bin/muster.js');
const line = (text: string) => process.stdout.write(`${text}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(2).padStart(6);

interface Started {
  readonly ms: number;
  stop(): Promise<void>;
}

function exited(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function healthy(port: number, child: ReturnType<typeof spawn>): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`muster serve exited ${child.exitCode} before it answered`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** This process's environment without its MUSTER_ variables (muster refuses ones it does not know, e.g. MUSTER_BENCH_ONLY). */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MUSTER_')));
}

/** `muster serve --demo` over `dataDir`, timed from spawn to the first 200 from /health. */
async function startMuster(dataDir: string, port: number): Promise<Started> {
  const started = performance.now();
  const child = track(
    spawn(process.execPath, [muster, 'serve', '--demo', '--data-dir', dataDir, '--mtls-port', '0'], { env: { ...childEnv(), MUSTER_PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] }),
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  await healthy(port, child).catch((error: Error) => {
    throw new Error(`${error.message}:\n${stderr}`);
  });
  const ms = performance.now() - started;
  return {
    ms,
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

async function barePglite(folder: string): Promise<number> {
  const started = performance.now();
  const child = track(spawn(process.execPath, [join(here, 'restart/bare-pglite.ts'), folder], { stdio: 'ignore' }));
  const code = await exited(child);
  if (code !== 0) throw new Error(`the bare PGlite open exited ${code}`);
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function restartBenchmark(): Promise<void> {
  line(`\nrestart of muster serve --demo on PGlite (spawn → /health 200), beside a bare process opening the same PGlite folder; ${RESTARTS} of each, alternating`);
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-restart-'));
  try {
    const dataDir = join(dir, 'data');
    const port = await freePort();
    const first = await startMuster(dataDir, port);
    await first.stop();
    line(`  first start (seeds the demo agency): ${seconds(first.ms)} s`);
    const ours: number[] = [];
    const peer: number[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      peer.push(await barePglite(join(dataDir, 'pglite')));
      const again = await startMuster(dataDir, port);
      ours.push(again.ms);
      await again.stop();
    }
    line(`  bare PGlite open + SELECT 1:   median ${seconds(median(peer))} s   fastest ${seconds(Math.min(...peer))} s`);
    line(`  muster serve restart:          median ${seconds(median(ours))} s   fastest ${seconds(Math.min(...ours))} s   ${(median(ours) / median(peer)).toFixed(1)}× the bare open   (target ≤ 2 s)`);
  } finally {
    await killAll();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await restartBenchmark();

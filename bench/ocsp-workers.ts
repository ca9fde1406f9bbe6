// The OCSP workers benchmark (muster serve --ocsp-workers N): responses/s under wrk on loopback for muster's OCSP
// answered on the main thread and from 1 and 2 worker threads sharing one port, each beside a bare node:http server
// laid out the same way (main thread, or N threads with SO_REUSEPORT) answering every request with one fixed body.
// The figure that counts is the ratio to that bare server (goal ≥ 0.9). On the main thread, OCSP POST as a Hono route
// is measured too, beside the same bare server: the raw listener stays while a Hono route is slower. MUSTER_BENCH_OCSP_CERTS (default 100,000) and
// MUSTER_BENCH_SECONDS (default 10) as in bench/ocsp.ts; MUSTER_BENCH_ONLY=ocsp-workers.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agree, probes, type Probes } from './ocsp.ts';
import { musterHono, musterWorkers, startMusterServer, type MusterServer } from './ocsp/muster.ts';
import { killAll, track } from './ocsp/processes.ts';
import { ensureWrk, runWrk, type WrkResult } from './ocsp/wrk.ts';

const CERTS = Number(process.env.MUSTER_BENCH_OCSP_CERTS ?? 100_000);
const SECONDS = Number(process.env.MUSTER_BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const LAYOUTS = [0, 1, 2] as const;
const line = (text: string) => process.stdout.write(`${text}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const bareScript = fileURLToPath(new URL('./ocsp/bare.ts', import.meta.url));

/** The bare server with `threads` worker threads (0: the main thread); its port and how to stop it. */
async function startBare(threads: number): Promise<{ port: number; stop(): void }> {
  const child = track(fork(bareScript, [String(threads)], { execPath: process.execPath, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bare server exited (${code})`)));
    child.once('message', (m: { port: number }) => resolve(m.port));
  });
  return { port, stop: () => child.kill('SIGTERM') };
}

async function measure(port: number, p: Probes): Promise<WrkResult> {
  await runWrk(`http://127.0.0.1:${port}/`, p.script, WARMUP_SECONDS);
  return runWrk(`http://127.0.0.1:${port}/`, p.script, SECONDS);
}

async function musterPort(server: MusterServer, threads: number): Promise<number> {
  return threads === 0 ? server.port : musterWorkers(server, threads);
}

function report(threads: number, bare: WrkResult, ours: WrkResult): void {
  const rps = (r: WrkResult) => fmt(Math.round(r.requestsPerSecond)).padStart(8);
  const where = threads === 0 ? 'main thread     ' : `${threads} worker thread${threads > 1 ? 's' : ' '}`;
  const perThread = (r: WrkResult) => fmt(Math.round(r.requestsPerSecond / Math.max(1, threads))).padStart(8);
  line(
    `  ${where}: bare node:http ${rps(bare)}/s (${perThread(bare)}/s per thread, p99 ${fmt(bare.p99Ms, 1)} ms)   muster OCSP ${rps(ours)}/s (${perThread(ours)}/s per thread, p99 ${fmt(ours.p99Ms, 1)} ms)   ratio ${fmt(ours.requestsPerSecond / bare.requestsPerSecond, 2)}`,
  );
  for (const [name, r] of [
    ['bare', bare],
    ['muster', ours],
  ] as const) {
    if (r.socketErrors) line(`    (${name}: wrk socket errors: ${r.socketErrors})`);
    if (r.non2xx > 0) line(`    (${name}: ${fmt(r.non2xx)} non-2xx responses)`);
  }
}

export async function ocspWorkersBenchmark(): Promise<void> {
  line(
    `\nOCSP workers (${fmt(CERTS)} certificates; wrk -t2 -c32 -d${SECONDS}s after ${WARMUP_SECONDS} s unmeasured; ${availableParallelism()} cores shared with wrk): muster beside a bare node:http server with a fixed body, the same threads (goal: ratio ≥ 0.9)`,
  );
  ensureWrk(line);
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-ocsp-workers-'));
  try {
    const server = await startMusterServer(dir, CERTS);
    const p = await probes(dir);
    for (const threads of LAYOUTS) {
      const bare = await startBare(threads);
      const bareResult = await measure(bare.port, p);
      bare.stop();
      const port = await musterPort(server, threads);
      await agree(dir, `http://127.0.0.1:${port}`, p.wrkSerials);
      report(threads, bareResult, await measure(port, p));
      if (threads === 0) {
        const hono = await musterHono(server);
        await agree(dir, `http://127.0.0.1:${hono}`, p.wrkSerials);
        const r = await measure(hono, p);
        line(
          `  main thread, OCSP as a Hono route (@hono/node-server): ${fmt(Math.round(r.requestsPerSecond)).padStart(8)}/s (p99 ${fmt(r.p99Ms, 1)} ms)   ratio to bare ${fmt(r.requestsPerSecond / bareResult.requestsPerSecond, 2)}`,
        );
      }
    }
  } finally {
    await killAll();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await ocspWorkersBenchmark();

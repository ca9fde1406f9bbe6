// The OCSP benchmark (issue 3): responses/s and p99 under wrk on loopback for a CA with MUSTER_BENCH_OCSP_CERTS
// (default 100,000) serials, muster's pre-signed responder beside `openssl ocsp -index` answering for the same CA.
// Run alone with `node bench/ocsp.ts`; `npm run bench` runs it after the import benchmark. MUSTER_BENCH_SECONDS sets
// wrk's duration (default 10). wrk is installed from Debian when missing.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { revocationMs, startMusterServer, type MusterServer } from './ocsp/muster.ts';
import { makeRequest, query, startOpensslResponder } from './ocsp/openssl.ts';
import { freePort, killAll } from './ocsp/processes.ts';
import { ensureWrk, runWrk, writePostScript, type WrkResult } from './ocsp/wrk.ts';

const CERTS = Number(process.env.MUSTER_BENCH_OCSP_CERTS ?? 100_000);
const SECONDS = Number(process.env.MUSTER_BENCH_SECONDS ?? 10);
/** Each responder first serves the same load unmeasured for this long (JIT, caches, TCP), then is measured. */
const WARMUP_SECONDS = 2;
const line = (text: string) => process.stdout.write(`${text}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export interface Probes {
  readonly wrkSerials: readonly string[];
  readonly script: string;
  readonly revokeSerial: string;
  readonly revokeRequest: string;
}

/** Four serials wrk asks about (three good, one revoked) and a good one kept for the revocation probe. */
export async function probes(dir: string): Promise<Probes> {
  const serials = (await readFile(join(dir, 'serials.txt'), 'utf8')).trim().split('\n');
  const at = (fraction: number) => serials[Math.floor((serials.length * fraction) / 100) * 100] as string;
  const wrkSerials = [at(0.1), at(0.5), at(0.9), serials[99] as string];
  const paths = await Promise.all(wrkSerials.map((s, i) => makeRequest(dir, s, `req${i}`)));
  const revokeSerial = serials[serials.length > 2 ? 1 : 0] as string;
  return { wrkSerials, script: await writePostScript(dir, paths), revokeSerial, revokeRequest: await makeRequest(dir, revokeSerial, 'revoke') };
}

/** Both responders must say good/revoked as index.txt does, with signatures openssl verifies. */
export async function agree(dir: string, url: string, serials: readonly string[]): Promise<void> {
  const got = await Promise.all(serials.map((s) => query(dir, url, s)));
  const want = ['good', 'good', 'good', 'revoked'];
  if (got.join() !== want.join()) throw new Error(`${url} answered ${got.join(', ')}; expected ${want.join(', ')}`);
}

/**
 * `run` against a fresh `openssl ocsp` on a fresh port; it is killed afterwards. (When wrk stops, it cuts connections
 * with requests under way, and openssl 3.0's one-at-a-time loop never answers again: each wrk run gets its own.)
 */
async function withOpenssl<T>(dir: string, run: (url: string) => Promise<T>): Promise<T> {
  const port = await freePort();
  const child = await startOpensslResponder(dir, port, 1_000_000_000);
  try {
    return await run(`http://127.0.0.1:${port}`);
  } finally {
    child.kill('SIGKILL');
  }
}

/** Warm-up (unmeasured), then the measured run; openssl checked first, and restarted after its warm-up. */
async function measureOpenssl(dir: string, p: Probes): Promise<WrkResult> {
  await withOpenssl(dir, async (url) => {
    await agree(dir, url, p.wrkSerials);
    await runWrk(`${url}/`, p.script, WARMUP_SECONDS);
  });
  return withOpenssl(dir, (url) => runWrk(`${url}/`, p.script, SECONDS));
}

async function measureMuster(dir: string, server: MusterServer, p: Probes): Promise<WrkResult> {
  await agree(dir, `http://127.0.0.1:${server.port}`, p.wrkSerials);
  await runWrk(`http://127.0.0.1:${server.port}/`, p.script, WARMUP_SECONDS);
  return runWrk(`http://127.0.0.1:${server.port}/`, p.script, SECONDS);
}

function warn(name: string, r: WrkResult): void {
  if (r.socketErrors) line(`    (${name}: wrk socket errors: ${r.socketErrors})`);
  if (r.non2xx > 0) line(`    (${name}: ${fmt(r.non2xx)} non-2xx responses)`);
}

function report(peer: WrkResult, ours: WrkResult, server: MusterServer, revokeMs: number): void {
  const rps = (r: WrkResult) => fmt(Math.round(r.requestsPerSecond)).padStart(9);
  line(`  openssl ocsp -index: ${rps(peer)} responses/s   p99 ${fmt(peer.p99Ms, 1)} ms   (1 process, 1 core; signs each answer; closes the connection after each answer)`);
  warn('openssl', peer);
  line(
    `  muster ocspListener: ${rps(ours)} responses/s   p99 ${fmt(ours.p99Ms, 1)} ms   (1 process, 1 core: node:http, keep-alive; pre-signed answers)   ${fmt(ours.requestsPerSecond / peer.requestsPerSecond, 1)}× OpenSSL   (targets: ≥ 10× OpenSSL, p99 < 5 ms)`,
  );
  warn('muster', ours);
  const presign = `pre-signing ${fmt(CERTS)} statuses: ${fmt(server.presignSeconds, 1)} s (${fmt(Math.round(CERTS / server.presignSeconds))}/s, SHA-1 and SHA-256 CertIDs each)`;
  line(`  ${presign}; revocation → first 'revoked' answer: ${fmt(revokeMs, 1)} ms`);
}

async function measure(dir: string): Promise<void> {
  ensureWrk(line);
  const server = await startMusterServer(dir, CERTS);
  const p = await probes(dir);
  const peer = await measureOpenssl(dir, p);
  const ours = await measureMuster(dir, server, p);
  const revokeMs = await revocationMs(server, p.revokeSerial, p.revokeRequest);
  const after = await query(dir, `http://127.0.0.1:${server.port}`, p.revokeSerial);
  if (after !== 'revoked') throw new Error(`after the revocation probe openssl reads ${after}`);
  report(peer, ours, server, revokeMs);
}

export async function ocspBenchmark(): Promise<void> {
  line(
    `\nOCSP (${fmt(CERTS)} certificates; the same 4 POSTed requests, wrk -t2 -c32 -d${SECONDS}s after ${WARMUP_SECONDS} s unmeasured (openssl restarted after it), one request at a time per connection, loopback; ${availableParallelism()} cores shared with wrk)`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-ocsp-'));
  try {
    await measure(dir);
  } finally {
    await killAll();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await ocspBenchmark();

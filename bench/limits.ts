// Listener limits: OCSP responses/s and admin API requests/s over loopback keep-alive, on a MUR of real size
// (MUSTER_BENCH_IDENTITIES, default 20,000), with the connection limits of server.limits at their defaults and the rate
// limiter on (every request takes a token; the buckets are large enough that none is refused, so what is measured is
// the limits' cost, not cheap 429s) beside the same listener with them opened wide and no rate limits, in one run;
// the rounds alternate which side runs first (MUSTER_BENCH_ROUNDS, default 2) and the cost is 1 − on/off of their means (target ≤ 5%).
// MUSTER_BENCH_SECONDS (default 5) per measurement, MUSTER_BENCH_CONNECTIONS (default 16) keep-alive connections.
// Run alone with `node bench/limits.ts` or MUSTER_BENCH_ONLY=limits npm run bench.
import { Agent, request } from 'node:http';
import { testOperator } from '../src/operators/test-operators.ts';
import { loadConfig } from '../src/config/load.ts';
import { createHttpApp } from '../src/http/app.ts';
import { type RunningServer, serveHttp } from '../src/http/serve.ts';
import { requestFor } from '../src/protocols/ocsp/test-fixtures.ts';
import { type Muster, startMuster } from '../src/runtime/context.ts';
import { type PkiServing, startPkiServing } from '../src/runtime/pki-serving.ts';

const SECONDS = Number(process.env.MUSTER_BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.MUSTER_BENCH_CONNECTIONS ?? 16);
const WARMUP_SECONDS = 1;
const IDENTITIES = Number(process.env.MUSTER_BENCH_IDENTITIES ?? 20_000);
const ROUNDS = Number(process.env.MUSTER_BENCH_ROUNDS ?? 2);
const TARGET_COST = 0.05;

/** The defaults of server.limits, with the rate limiter on but never refusing here. */
const ON = { rate: { perAddress: { perSecond: 1_000_000, burst: 10_000_000 }, perToken: { perSecond: 1_000_000, burst: 10_000_000 } } };
const line = (text: string) => process.stdout.write(`${text}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** As wide as the schema lets each limit be: the listener as it was before the limits. */
const WIDE = {
  headersTimeoutMs: 600_000,
  requestTimeoutMs: 3_600_000,
  keepAliveTimeoutMs: 600_000,
  idleTimeoutMs: 3_600_000,
  maxHeadersCount: 10_000,
  maxHeaderBytes: 1024 * 1024,
  maxConnections: 1_000_000,
  maxConnectionsPerAddress: 1_000_000,
  rate: { perAddress: { perSecond: 0 }, perToken: { perSecond: 0 } },
};

interface Load {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array;
}

interface Measured {
  readonly perSecond: number;
  readonly statuses: Map<number, number>;
}

function once(agent: Agent, port: number, load: Load): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, agent, method: load.method, path: load.path, headers: load.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(load.body);
  });
}

/** Keep-alive clients in this process for SECONDS: requests answered per second, by status. */
async function measure(port: number, load: Load, seconds = SECONDS): Promise<Measured> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const statuses = new Map<number, number>();
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const client = async () => {
    while (performance.now() < until) {
      const status = await once(agent, port, load);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, client));
  agent.destroy();
  return { perSecond: done / ((performance.now() - started) / 1000), statuses };
}

interface Setup {
  readonly ctx: Muster;
  readonly pki: PkiServing;
  readonly server: RunningServer;
}

async function setup(limits: Record<string, unknown>): Promise<Setup> {
  const ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { limits } } }));
  const pki = await startPkiServing(ctx);
  const server = await serveHttp(createHttpApp(ctx), { host: '127.0.0.1', port: 0, before: [pki.listener], limits: ctx.config.server.limits });
  await seedIdentities(ctx, IDENTITIES);
  return { ctx, pki, server };
}

/** `count` active people in the MUR, in one statement. */
async function seedIdentities(ctx: Muster, count: number): Promise<void> {
  await ctx.store.query(
    `INSERT INTO identities (id, kind, status, attributes, provenance, last_updated, created_at, updated_at)
     SELECT gen_random_uuid(), 'person', 'active',
       jsonb_build_object('employee_id', jsonb_build_object('v', 'B' || n), 'given_name', jsonb_build_object('v', 'Given' || n), 'family_name', jsonb_build_object('v', 'Family' || n),
         'email', jsonb_build_object('v', 'given' || n || '@bench.gov'), 'department', jsonb_build_object('v', 'Dept' || (n % 40))),
       '[]'::jsonb, now(), now(), now()
     FROM generate_series(1, $1::int) AS n`,
    [count],
  );
}

async function teardown(s: Setup): Promise<void> {
  await s.server.close();
  await s.pki.stop();
  await s.ctx.close();
}

const shown = (m: Measured) => `${fmt(m.perSecond).padStart(8)} /s  (${[...m.statuses].map(([status, n]) => `${status}: ${fmt(n)}`).join(', ')})`;

async function section(name: string, limits: Record<string, unknown>): Promise<[Measured, Measured]> {
  const s = await setup(limits);
  try {
    const { issuing } = await s.ctx.ca();
    const { token } = await testOperator(s.ctx, ['auditor']);
    const ocspLoad: Load = { method: 'POST', path: '/ocsp', headers: { 'content-type': 'application/ocsp-request' }, body: requestFor(issuing, '4a01') };
    const apiLoad: Load = { method: 'GET', path: '/api/identities?limit=1', headers: { authorization: `Bearer ${token}` } };
    // unmeasured first (JIT, caches); short, so that the API's token bucket is not spent before the measured run
    await measure(s.server.port, ocspLoad, WARMUP_SECONDS);
    await measure(s.server.port, { ...apiLoad, path: '/health', headers: {} }, WARMUP_SECONDS);
    const ocsp = await measure(s.server.port, ocspLoad);
    const api = await measure(s.server.port, apiLoad);
    line(`  ${name}`);
    line(`    OCSP POST:               ${shown(ocsp)}`);
    line(`    GET /api/identities:     ${shown(api)}`);
    return [ocsp, api];
  } finally {
    await teardown(s);
  }
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const cost = (on: number, off: number) => `${((1 - on / off) * 100).toFixed(1)}%`;

export async function limitsBenchmark(): Promise<void> {
  line(`\nlistener limits — ${fmt(IDENTITIES)} identities, ${CONNECTIONS} keep-alive connections from this process, ${SECONDS} s each, ${ROUNDS} alternating rounds, PGlite in memory`);
  const off: [number, number][] = [];
  const on: [number, number][] = [];
  const runOff = async (round: number) => off.push((await section(`round ${round}: limits off (opened wide, no rate limits)`, WIDE)).map((m) => m.perSecond) as [number, number]);
  const runOn = async (round: number) =>
    on.push((await section(`round ${round}: limits on (server.limits defaults, rate limiter taking a token per request)`, ON)).map((m) => m.perSecond) as [number, number]);
  // the order alternates, so that neither side always runs on a warmer (or busier) machine
  for (let round = 1; round <= ROUNDS; round++) {
    if (round % 2 === 1) {
      await runOff(round);
      await runOn(round);
    } else {
      await runOn(round);
      await runOff(round);
    }
  }
  const [offOcsp, offApi] = [mean(off.map((m) => m[0])), mean(off.map((m) => m[1]))];
  const [onOcsp, onApi] = [mean(on.map((m) => m[0])), mean(on.map((m) => m[1]))];
  line(`  OCSP responses/s:  off ${fmt(offOcsp)}, on ${fmt(onOcsp)}; cost ${cost(onOcsp, offOcsp)}`);
  line(`  API requests/s:    off ${fmt(offApi)}, on ${fmt(onApi)}; cost ${cost(onApi, offApi)}`);
  const worst = Math.max(1 - onOcsp / offOcsp, 1 - onApi / offApi);
  line(`  cost of the limits: ${(worst * 100).toFixed(1)}% at most (target ≤ ${TARGET_COST * 100}%): ${worst <= TARGET_COST ? 'within' : 'OVER'} target`);
}

if (import.meta.url === `file://${process.argv[1]}`) await limitsBenchmark();

// The web console: server time to render the dashboard and a leaver's page for an agency of MUSTER_BENCH_CONSOLE_PEOPLE
// (default 100,000) people with a SCIM target on embedded PGlite, beside the same data read through the JSON API
// (the routes the pages mirror, asked together as a client would) in the same run and process. In-process requests
// (app.request): no network, no TLS, the session check and the rendering included. Run alone with
// `node bench/console.ts` or MUSTER_BENCH_ONLY=console npm run bench; MUSTER_BENCH_CONSOLE_PEOPLE=2000 for a quick run.
import { join } from 'node:path';
import { createHttpApp } from '../src/http/app.ts';
import { ConsoleSessions } from '../src/operators/console-sessions.ts';
import { testOperator } from '../src/operators/test-operators.ts';
import type { ConsoleSetup } from '../src/runtime/console.ts';
import { issueDemoPivCard } from '../src/runtime/demo-piv.ts';
import { openStore } from '../src/store/open.ts';
import { consoleApp } from '../src/web/app.ts';
import { hrLeaver, leaverWorld } from '../test/support/leaver.ts';

const PEOPLE = Number(process.env.MUSTER_BENCH_CONSOLE_PEOPLE ?? 100_000);
const LEAVERS = Math.max(1, Math.min(50, Math.floor(PEOPLE / 100)));
const CARDS = Math.min(5, LEAVERS);
const ROUNDS = Number(process.env.MUSTER_BENCH_CONSOLE_ROUNDS ?? 30);
const ORIGIN = 'http://localhost:8080';
const line = (text: string) => process.stdout.write(`${text}\n`);

interface Timing {
  readonly p50: number;
  readonly p95: number;
}

async function timed(rounds: number, run: () => Promise<void>): Promise<Timing> {
  for (let i = 0; i < 3; i++) await run();
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await run();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(ms.length * 0.5)] as number, p95: ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.95))] as number };
}

async function ok(response: Response | Promise<Response>): Promise<number> {
  const answer = await response;
  if (answer.status !== 200) throw new Error(`answered ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
  return (await answer.arrayBuffer()).byteLength;
}

const show = (label: string, t: Timing, bytes: number) =>
  line(`  ${label.padEnd(58)} p50 ${t.p50.toFixed(1).padStart(7)} ms  p95 ${t.p95.toFixed(1).padStart(7)} ms  ${(bytes / 1024).toFixed(1).padStart(7)} KiB`);

export async function consoleBenchmark(): Promise<void> {
  line(`\nweb console (${PEOPLE.toLocaleString('en-US')} people with a SCIM account, ${LEAVERS} leavers, embedded PGlite, ${ROUNDS} rounds each)`);
  let started = performance.now();
  const world = await leaverWorld(await openStore({ dataDir: ':memory:' }), PEOPLE);
  try {
    const { muster } = world;
    const by = { actor: 'bench', correlationId: 'bench-console' };
    for (let i = 1; i <= CARDS; i++) await issueDemoPivCard(muster, `E${i}`, join(world.dir, `E${i}`), 'pin', by);
    for (let i = 1; i <= LEAVERS; i++) await hrLeaver(world, `E${i}`);
    await world.settle();
    line(`  agency built in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const operator = await testOperator(muster, ['auditor', 'security-officer', 'provisioning-admin']);
    const sessions = new ConsoleSessions({ store: muster.store, audit: muster.audit, clock: muster.clock });
    const record = { issuer: `${ORIGIN}/oidc`, state: 's', nonce: 'n', codeVerifier: 'v', maxAge: 60, createdAt: 0 };
    const opened = await sessions.open(await sessions.beginSignIn(record), { identityId: operator.identityId, authTime: muster.clock.now(), acr: 'acr', idToken: 't' }, 'bench');
    if (!opened.ok) throw new Error(opened.reason);
    const setup = {
      issuer: record.issuer,
      clientId: 'muster-console',
      redirectUri: `${ORIGIN}/console/callback`,
      postLogoutRedirectUri: `${ORIGIN}/console/signed-out`,
      sessions,
    } as unknown as ConsoleSetup;
    const pages = consoleApp({ setup: () => setup, muster, store: muster.store, clock: muster.clock, agencyCode: muster.config.agency.code });
    const api = createHttpApp(muster);
    const cookie = { cookie: `__Host-muster-console=${opened.secret}` };
    const bearer = { authorization: `Bearer ${operator.token}` };
    const leaver = (await muster.store.query<{ identity_id: string }>("SELECT identity_id FROM events WHERE type = 'identity.leaver' ORDER BY id LIMIT 1"))[0]?.identity_id as string;
    const since = new Date(muster.clock.now().getTime() - 90 * 86_400_000).toISOString();

    const dashboardApi = [
      '/api/imports?limit=500',
      '/api/disputes?status=open&limit=1000',
      '/api/provisioning/queues',
      '/api/pending-actions?status=pending',
      '/api/exceptions',
      '/api/identities/holds',
      '/api/reports/leaver-latency?since=30d',
      '/api/reports/phishing-resistant-coverage',
    ];
    const personApi = [`/api/identities/${leaver}`, `/api/identities/${leaver}/credentials`, `/api/trace?identity=${leaver}&since=${encodeURIComponent(since)}`];
    const many = async (paths: readonly string[]) => (await Promise.all(paths.map((p) => ok(api.request(p, { headers: bearer }))))).reduce((a, b) => a + b, 0);

    let bytes = 0;
    started = performance.now();
    const dashboard = await timed(ROUNDS, async () => void (bytes = await ok(pages.request('/console', { headers: cookie }))));
    show('dashboard page (counts, 4 charts, their tables)', dashboard, bytes);
    const dashboardJson = await timed(ROUNDS, async () => void (bytes = await many(dashboardApi)));
    show(`the same through the JSON API (${dashboardApi.length} routes at once)`, dashboardJson, bytes);
    const person = await timed(ROUNDS, async () => void (bytes = await ok(pages.request(`/console/identities/${leaver}`, { headers: cookie }))));
    show("a leaver's page (record, credentials, RPs, causal thread)", person, bytes);
    const personJson = await timed(ROUNDS, async () => void (bytes = await many(personApi)));
    show(`the same through the JSON API (${personApi.length} routes at once)`, personJson, bytes);
    line(`  dashboard ${(dashboard.p50 / dashboardJson.p50).toFixed(2)}x the JSON reads, person page ${(person.p50 / personJson.p50).toFixed(2)}x`);
  } finally {
    await world.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await consoleBenchmark();

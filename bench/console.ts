// The web console: server time to render its pages for an agency of MUSTER_BENCH_CONSOLE_PEOPLE (default 100,000)
// people, beside the same data read through the JSON API (the routes each page mirrors, asked together as a client
// would) in the same run and process. In-process requests (app.request): no network, no TLS, the session check and the
// rendering included. The agency is seeded through the importer's snapshot path (bench/console-agency.ts): everyone
// vetted, every tenth person a manager, a pilot office with portal accounts in a SCIM target, leavers among them with
// PIV cards, and a certification campaign of the portal target (no items: the pilot's accounts carry no entitlement).
// On embedded PGlite, or on the benchmark's PostgreSQL server when MUSTER_BENCH_CONSOLE_DATABASE names a database
// (dropped and made afresh). Run alone with `node bench/console.ts` or MUSTER_BENCH_ONLY=console npm run bench;
// MUSTER_BENCH_CONSOLE_PEOPLE=2000 for a quick run.
import { createCampaign } from '../src/governance/index.ts';
import { ConsoleSessions } from '../src/operators/console-sessions.ts';
import { campaignDeps } from '../src/runtime/governance.ts';
import { testOperator } from '../src/operators/test-operators.ts';
import type { ConsoleSetup } from '../src/runtime/console.ts';
import { createHttpApp } from '../src/http/app.ts';
import { consoleApp } from '../src/web/app.ts';
import { consoleAgency } from './console-agency.ts';

const PEOPLE = Number(process.env.MUSTER_BENCH_CONSOLE_PEOPLE ?? 100_000);
const LEAVERS = Math.max(1, Math.min(50, Math.floor(PEOPLE / 100)));
const PILOT = Math.max(LEAVERS, Math.min(1000, Math.floor(PEOPLE / 100)));
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

const DATABASE = process.env.MUSTER_BENCH_CONSOLE_DATABASE;

/** A page and the JSON API routes that carry the same data. */
interface Pair {
  readonly label: string;
  readonly page: string;
  readonly api: readonly string[];
}

function pairsFor(leaver: string, manager: string, campaign: string, since: string): Pair[] {
  return [
    {
      label: 'dashboard (counts, 4 charts, their tables)',
      page: '/console',
      api: [
        '/api/imports?limit=500',
        '/api/disputes?status=open&limit=1000',
        '/api/provisioning/queues',
        '/api/pending-actions?status=pending',
        '/api/exceptions',
        '/api/identities/holds',
        '/api/reports/leaver-latency?since=30d',
        '/api/reports/phishing-resistant-coverage',
      ],
    },
    {
      label: "a leaver's page (record, credentials, RPs, causal thread)",
      page: `/console/identities/${leaver}`,
      api: [`/api/identities/${leaver}`, `/api/identities/${leaver}/credentials`, `/api/trace?identity=${leaver}&since=${encodeURIComponent(since)}`],
    },
    { label: "a manager's page (record, nine reports)", page: `/console/identities/${manager}`, api: [`/api/identities/${manager}`, `/api/identities/${manager}/credentials`] },
    { label: 'people search (a name prefix, first 50)', page: '/console/identities?q=Family9', api: ['/api/identities?q=Family9&limit=50'] },
    { label: 'targets and queues', page: '/console/targets', api: ['/api/provisioning/queues', '/api/provisioning/operations?status=dead'] },
    { label: 'audit log (newest 100)', page: '/console/audit', api: ['/api/audit?limit=100'] },
    { label: 'access requests (catalogue, own requests)', page: '/console/access', api: ['/api/catalogue', '/api/access/requests'] },
    { label: 'approvals (inbox)', page: '/console/access/approvals', api: ['/api/access/approvals'] },
    { label: 'campaigns (one, with its progress per reviewer)', page: '/console/campaigns', api: ['/api/campaigns', `/api/campaigns/${campaign}`] },
  ];
}

export async function consoleBenchmark(): Promise<void> {
  const where = DATABASE ? `PostgreSQL database ${DATABASE}` : 'embedded PGlite';
  line(`\nweb console (${PEOPLE.toLocaleString('en-US')} people, ${PILOT} with a SCIM account, ${LEAVERS} leavers, ${where}, ${ROUNDS} rounds each)`);
  const started = performance.now();
  const agency = await consoleAgency({ people: PEOPLE, pilot: PILOT, cards: CARDS, database: DATABASE });
  try {
    const { muster } = agency;
    await agency.leave(Array.from({ length: LEAVERS }, (_, i) => `E${i + 1}`));
    // a campaign of the portal target, reviewed by managers: its page beside its JSON
    const { campaign, items } = await createCampaign(campaignDeps(muster), {
      scope: 'target:portal',
      reviewers: 'manager',
      due: '14d',
      reason: 'bench',
      actor: 'bench',
      correlationId: 'bench-console-campaign',
    });
    const steps = Object.entries(agency.seconds).map(([name, s]) => `${name} ${s.toFixed(1)} s`);
    line(`  campaign of the portal target: ${items} items`);
    line(`  agency built in ${((performance.now() - started) / 1000).toFixed(1)} s (${steps.join(', ')})`);

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
    const manager = (await muster.store.query<{ id: string }>(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = $1`, [`E${PILOT + 1}`]))[0]?.id as string;
    const since = new Date(muster.clock.now().getTime() - 90 * 86_400_000).toISOString();
    const many = async (paths: readonly string[]) => (await Promise.all(paths.map((p) => ok(api.request(p, { headers: bearer }))))).reduce((a, b) => a + b, 0);

    let slowest = 0;
    for (const pair of pairsFor(leaver, manager, campaign.id, since)) {
      let bytes = 0;
      const page = await timed(ROUNDS, async () => void (bytes = await ok(pages.request(pair.page, { headers: cookie }))));
      show(pair.label, page, bytes);
      const json = await timed(ROUNDS, async () => void (bytes = await many(pair.api)));
      show(`  the same through the JSON API (${pair.api.length} route${pair.api.length === 1 ? '' : 's'} at once)`, json, bytes);
      slowest = Math.max(slowest, page.p95);
    }
    line(`  slowest page p95 ${slowest.toFixed(1)} ms (target: under 200 ms)`);
  } finally {
    await agency.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await consoleBenchmark();

// Lifecycle benchmarks, on a PostgreSQL database with four real targets (slapd, two SCIM services on SCIMMY taking /Bulk, and a
// Samba AD DC; without Samba, or not as root, the first three):
//  - leaver propagation: HR termination event accepted → the last target shows the account disabled,
//    p50/p99 over MUSTER_BENCH_LEAVERS (default 1,000) single terminations, beside the same calls made directly, and
//    the AD disable (userAccountControl, then the move to the leavers' OU) made directly alone;
//  - operator termination: an operator's HR termination event accepted → the first 401 on its own token, p50/p99 over
//    MUSTER_BENCH_OPERATORS (default 100), printed beside the leaver figure of the same run;
//  - mass termination: MUSTER_BENCH_MASS (default 10,000) people with an account in each target terminated by one
//    snapshot, until all are disabled, beside the calls made straight through the connectors and midPoint's published figure;
//  - reconciliation of MUSTER_BENCH_RECON_ACCOUNTS (default 1,000,000) accounts of a directory: time and peak RSS,
//    beside ldapsearch reading the same entries.
// Run alone with `node --expose-gc bench/lifecycle.ts` or MUSTER_BENCH_ONLY=lifecycle npm run bench; the database it drops and
// makes afresh is MUSTER_BENCH_LIFECYCLE_DATABASE (default muster_bench_lifecycle) on the benchmark's server.
import { directDisableLatencies, describeLatencies, leaverLatencies } from './lifecycle/propagation.ts';
import { directCalls, massTermination } from './lifecycle/mass.ts';
import { operatorTerminationLatencies } from './lifecycle/operator-termination.ts';
import { reconcileMillion } from './lifecycle/recon.ts';
import { countStatements } from './lifecycle/round-trips.ts';
import { POLL_MS, WITH_AD, drained, employeeIds, startBench } from './lifecycle/setup.ts';

const LEAVERS = Number(process.env.MUSTER_BENCH_LEAVERS ?? 1000);
const MASS = Number(process.env.MUSTER_BENCH_MASS ?? 10_000);
const OPERATORS = Number(process.env.MUSTER_BENCH_OPERATORS ?? 100);
const RECON = Number(process.env.MUSTER_BENCH_RECON_ACCOUNTS ?? 1_000_000);
/** MUSTER_BENCH_TRACE_SQL=1: the statements the mass termination sent most, with their counts. */
const TRACE_SQL = process.env.MUSTER_BENCH_TRACE_SQL === '1';
/** midPoint's published figure: import with provisioning to 8 targets. */
const MIDPOINT_ACCOUNTS_PER_SECOND = 24;
const line = (text: string) => process.stdout.write(`${text}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export async function lifecycleBenchmark(): Promise<void> {
  const ad = WITH_AD ? ' + Samba AD DC (LDAPS)' : ' (no Samba AD DC: not installed, or not run as root)';
  line(`\nlifecycle: PostgreSQL, targets slapd + 2 × SCIMMY (plain 'active' PATCHes applied without SCIMMY's PatchOp)${ad} on loopback, workers polling every ${POLL_MS} ms, all in one process`);
  const bench = await startBench(process.env.MUSTER_BENCH_LIFECYCLE_DATABASE ?? 'muster_bench_lifecycle');
  try {
    const gone = employeeIds(LEAVERS + OPERATORS);
    const single = gone.slice(0, LEAVERS);
    const operators = gone.slice(LEAVERS);
    const mass = employeeIds(MASS, LEAVERS + OPERATORS);
    const everyone = [...gone, ...mass];
    const joinStarted = performance.now();
    await bench.importHr('joiners', everyone, 'active');
    await drained(bench.muster, 1_800_000);
    const joinSeconds = (performance.now() - joinStarted) / 1000;
    const targets = bench.connectors.size;
    line(
      `  joiners: ${fmt(everyone.length)} people, ${fmt(everyone.length * targets)} accounts created in ${targets} targets in ${fmt(joinSeconds, 1)} s (${fmt((everyone.length * targets) / joinSeconds)} accounts/s)`,
    );

    const sample = mass.slice(0, Math.min(200, mass.length));
    const floor = await directDisableLatencies(bench, sample);
    const adFloor = bench.ad ? await directDisableLatencies(bench, sample, 'ad') : null;
    const latencies = await leaverLatencies(bench, single);
    line(`  leaver propagation (event accepted → last of ${targets} targets shows disabled, polled every 5 ms):`);
    line(`    muster:                     ${describeLatencies(latencies)}   target p99 < 2,000 ms`);
    line(`    the ${targets} disable calls direct: ${describeLatencies(floor)}`);
    if (adFloor) line(`    the AD disable alone direct: ${describeLatencies(adFloor)}   (userAccountControl, then the move to the leavers' OU)`);
    const operatorStops = await operatorTerminationLatencies(bench, operators);
    line("  operator termination (an operator's HR termination event accepted → first 401 on its own token, polled every 5 ms):");
    line(`    muster, from the event sent:  ${describeLatencies(operatorStops.sent)}   target < 1,000 ms`);
    line(`    muster, from its 2xx answer:  ${describeLatencies(operatorStops.answered)}`);
    line(`    beside leaver propagation:    ${describeLatencies(latencies)}   (the same run, from the event sent, above)`);

    const { result, statements } = await countStatements(() => massTermination(bench, everyone, gone, mass));
    // muster's figure first: the peer below runs after it, on the same targets
    line(`  mass termination: ${fmt(MASS)} people, ${fmt(result.accounts)} accounts disabled in ${fmt(result.seconds, 1)} s (import ${fmt(result.importSeconds, 1)} s)   target < 60 s`);
    line(`    muster:                     ${fmt(result.accounts / result.seconds).padStart(7)} accounts/s   (${result.stillEnabled} still enabled afterwards)`);
    line(`    PostgreSQL statements:      ${fmt(statements.total / MASS, 1).padStart(7)} per leaver   (${fmt(statements.total)} in all, the drain's polling included)`);
    if (TRACE_SQL) for (const s of statements.top) line(`      ${fmt(s.count).padStart(9)}  ${s.statement}`);
    const direct = await directCalls(bench, mass);
    line(`    connectors called directly: ${fmt(result.accounts / direct.seconds).padStart(7)} calls/s    (the same number of calls, 16 in flight per target, one request a call, no queue, no audit)`);
    for (const [name, calls] of direct.perTarget)
      line(`      ${`${name}:`.padEnd(26)}${fmt(calls.calls / calls.seconds).padStart(7)} calls/s    (${fmt(calls.calls)} enables, while the others ran too)`);
    line(
      `    midPoint (published):       ${fmt(MIDPOINT_ACCOUNTS_PER_SECOND).padStart(7)} accounts/s   (import with provisioning to 8 targets)   muster ${fmt(result.accounts / result.seconds / MIDPOINT_ACCOUNTS_PER_SECOND, 1)}×`,
    );
  } finally {
    await bench.stopWorkers();
  }
  try {
    const recon = await reconcileMillion(bench.muster, RECON);
    line(`  reconciliation: ${fmt(recon.accounts)} directory accounts (loaded with slapadd in ${fmt(recon.loadSeconds, 1)} s)`);
    line(
      `    muster reconcile:           ${fmt(recon.seconds, 1).padStart(6)} s  ${fmt(recon.accounts / recon.seconds).padStart(7)} accounts/s   peak RSS ${fmt(recon.peakRssMiB)} MiB (${fmt(recon.baseRssMiB)} MiB before)`,
    );
    line(
      `    ldapsearch, same entries:   ${fmt(recon.ldapsearchSeconds, 1).padStart(6)} s  ${fmt(recon.accounts / recon.ldapsearchSeconds).padStart(7)} accounts/s   (reading only)   muster ${fmt(recon.ldapsearchSeconds / recon.seconds, 2)}×`,
    );
    line(`    found: ${JSON.stringify(recon.counts)}`);
  } finally {
    await bench.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await lifecycleBenchmark();

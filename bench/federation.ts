// Federation benchmarks (run alone with `node bench/federation.ts`, or MUSTER_BENCH_ONLY=federation npm run bench):
//  - complete PIV sign-ins per second: authorization request → mutual-TLS login with a software PIV card → code →
//    token (private_key_jwt, PKCE) → UserInfo, against muster's OP on PostgreSQL, beside a bare oidc-provider whose
//    login finishes at once, driven by the same client in the same run (MUSTER_BENCH_SIGNINS, default 1,000, with
//    MUSTER_BENCH_SIGNIN_CONCURRENCY in flight, default 8), alternating two rounds of each; muster twice: the browser
//    resuming its TLS session with the mutual-TLS listener on each new connection, and a full handshake each time;
//    then the PostgreSQL round trips of each step (MUSTER_BENCH_COUNTED_SIGNINS, default 20, one at a time and in flight);
//  - from an HR termination accepted by the API to the SET accepted by a receiving RP (muster/rp's push receiver),
//    p50/p99 over MUSTER_BENCH_LEAVER_SETS (default 300) terminations, beside a SET pushed to it directly.
import { Agent } from 'node:https';
import { createSecureContext } from 'node:tls';
import { exportJWK, generateKeyPair } from 'jose';
import { startBareOp } from './federation/bare.ts';
import { type FlowRun, type FlowTarget, percentile, runSignIns } from './federation/flow.ts';
import { BENCH_CLIENT, BENCH_REDIRECT, startMusterIdp } from './federation/muster.ts';
import { countRoundTrips } from './federation/round-trips.ts';
import { terminationToSet } from './federation/signals.ts';

const SIGNINS = Number(process.env.MUSTER_BENCH_SIGNINS ?? 1000);
const CONCURRENCY = Number(process.env.MUSTER_BENCH_SIGNIN_CONCURRENCY ?? 8);
const LEAVERS = Number(process.env.MUSTER_BENCH_LEAVER_SETS ?? 300);
const COUNTED = Number(process.env.MUSTER_BENCH_COUNTED_SIGNINS ?? 20);
const line = (text: string) => process.stdout.write(`${text}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function combined(runs: readonly FlowRun[]): { rate: number; p50: number; p99: number } {
  const latencies = runs.flatMap((r) => r.latenciesMs);
  const signIns = runs.reduce((n, r) => n + r.signIns, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  return { rate: signIns / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

export async function federationBenchmark(): Promise<void> {
  line(`\nfederation: PIV sign-ins, ${fmt(SIGNINS)} per side in 2 alternating rounds, ${CONCURRENCY} in flight, one process, loopback; muster on PostgreSQL`);
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const clientJwk = { ...(await exportJWK(publicKey)), kid: 'bench-rp-1', alg: 'RS256', use: 'sig' };
  const bare = await startBareOp({ clientId: BENCH_CLIENT, redirectUri: BENCH_REDIRECT, jwks: { keys: [clientJwk] } });
  const idp = await startMusterIdp('muster_bench_federation');
  try {
    await idp.saveAgreement(clientJwk);
    const common = { clientId: BENCH_CLIENT, redirectUri: BENCH_REDIRECT, clientKey: privateKey, kid: 'bench-rp-1' };
    const bareTarget: FlowTarget = {
      ...common,
      issuer: bare.issuer,
      authorizationEndpoint: `${bare.issuer}/auth`,
      tokenEndpoint: `${bare.issuer}/token`,
      userinfoEndpoint: `${bare.issuer}/me`,
      loginUrl: (url) => url,
      agentFor: () => undefined,
    };
    // the browser follows the login page's PIV link to the mutual-TLS listener on a new connection each sign-in; it
    // holds the card's key and resumes its TLS session with the listener (the card proved itself in the first full
    // handshake), as a browser does. The other run makes a full handshake with the card each time (a fresh agent).
    // The card's TLS context is made once, as a browser holds its key: Node would otherwise build one per connection.
    const card = { secureContext: createSecureContext(idp.card), rejectUnauthorized: false, keepAlive: false };
    const browser = new Agent(card);
    const musterTarget = (fullHandshakes: boolean): FlowTarget => ({
      ...common,
      issuer: idp.issuer,
      authorizationEndpoint: `${idp.issuer}/auth`,
      tokenEndpoint: `${idp.issuer}/token`,
      userinfoEndpoint: `${idp.issuer}/me`,
      loginUrl: (url) => `${idp.mtlsOrigin}${new URL(url).pathname}/piv`,
      agentFor: (url) => (url.startsWith(idp.mtlsOrigin) ? (fullHandshakes ? new Agent(card) : browser) : undefined),
    });
    const resumed = musterTarget(false);
    const full = musterTarget(true);
    await runSignIns(bareTarget, 50, CONCURRENCY);
    await runSignIns(resumed, 50, CONCURRENCY);
    const runs = { bare: [] as FlowRun[], muster: [] as FlowRun[], full: [] as FlowRun[] };
    for (let round = 0; round < 2; round += 1) {
      runs.bare.push(await runSignIns(bareTarget, Math.ceil(SIGNINS / 2), CONCURRENCY));
      runs.muster.push(await runSignIns(resumed, Math.ceil(SIGNINS / 2), CONCURRENCY));
      runs.full.push(await runSignIns(full, Math.ceil(SIGNINS / 2), CONCURRENCY));
    }
    const m = combined(runs.muster);
    const f = combined(runs.full);
    const b = combined(runs.bare);
    line(`  muster (PIV card over mutual TLS, MUR checks, audit):  ${fmt(m.rate, 1).padStart(7)} sign-ins/s   p50 ${fmt(m.p50)} ms   p99 ${fmt(m.p99)} ms   (TLS session resumed)`);
    line(`  muster, a full TLS handshake with the card each time:  ${fmt(f.rate, 1).padStart(7)} sign-ins/s   p50 ${fmt(f.p50)} ms   p99 ${fmt(f.p99)} ms`);
    line(`  bare oidc-provider (login finishes at once, memory):  ${fmt(b.rate, 1).padStart(7)} sign-ins/s   p50 ${fmt(b.p50)} ms   p99 ${fmt(b.p99)} ms   (no TLS)`);
    line(`  ratio muster / bare: ${fmt(m.rate / b.rate, 2)} resumed, ${fmt(f.rate / b.rate, 2)} with full handshakes   target ≥ 0.70`);
    line(`  share of a sign-in's time the full TLS handshake with the card takes (1 − full / resumed): ${fmt(100 * (1 - f.rate / m.rate), 0)}%`);
    const alone = await countRoundTrips(resumed, COUNTED, 1);
    const together = await countRoundTrips(resumed, COUNTED * CONCURRENCY, CONCURRENCY);
    line(`  PostgreSQL round trips per complete sign-in: ${fmt(alone.total, 1)} one at a time, ${fmt(together.total, 1)} with ${CONCURRENCY} in flight   target ≤ 15`);
    line(`    ${'step'.padEnd(34)} ${'alone'.padStart(6)} ${`${CONCURRENCY} in flight`.padStart(12)}`);
    for (const s of alone.steps) {
      const other = together.steps.find((t) => t.step === s.step)?.statements ?? 0;
      line(`    ${s.step.padEnd(34)} ${fmt(s.statements, 1).padStart(6)} ${fmt(other, 1).padStart(12)}${s.requests === 1 ? '' : `   (${fmt(s.requests, 0)} requests)`}`);
    }
    const signals = await terminationToSet(idp, clientJwk, LEAVERS);
    line("  HR termination accepted → SET accepted by the RP's receiver (push, RFC 8935):");
    line(
      `    muster:                   p50 ${fmt(percentile(signals.muster, 50))} ms   p99 ${fmt(percentile(signals.muster, 99))} ms   max ${fmt(signals.muster.at(-1) ?? 0)} ms (n=${signals.muster.length})   target p99 < 1,000 ms`,
    );
    line(`    a SET pushed directly:    p50 ${fmt(percentile(signals.direct, 50))} ms   p99 ${fmt(percentile(signals.direct, 99))} ms (n=${signals.direct.length})`);
  } finally {
    await idp.close();
    await bare.close();
  }
}

if (import.meta.main) await federationBenchmark();

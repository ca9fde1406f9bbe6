// Leaver evidence: MUSTER_BENCH_EVIDENCE_LEAVERS (default 1,000) people with a PIV card and a SCIM account leave; then
// a signed bundle for each (OCSP answers signed, the SCIM account read back, the JWS signed) beside reading the same
// rows back without signing or asking the target. Run alone with `node bench/evidence.ts` or MUSTER_BENCH_ONLY=evidence npm run bench.
import { iterateEntries } from '../src/audit/audit-repository.ts';
import { issueDemoPivCard } from '../src/runtime/demo-piv.ts';
import { produceEvidence } from '../src/runtime/evidence/index.ts';
import * as rows from '../src/runtime/evidence/rows.ts';
import { openStore } from '../src/store/open.ts';
import type { Store } from '../src/store/store.ts';
import { hrLeaver, leaverWorld } from '../test/support/leaver.ts';

const LEAVERS = Number(process.env.MUSTER_BENCH_EVIDENCE_LEAVERS ?? 1000);
const line = (text: string) => process.stdout.write(`${text}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The rows a bundle holds, read without signing anything or asking a target. */
async function readRows(store: Store, identityId: string, keyId: string): Promise<number> {
  const event = await rows.leaverEvent(store, identityId, undefined);
  if (!event) throw new Error(`no leaver event for ${identityId}`);
  const since = new Date(event.occurred_at);
  const certificates = await rows.leaverCertificates(store, identityId);
  for (const c of certificates) await rows.firstCrlThrough(store, c.issuer, Number(c.change_seq));
  await Promise.all([
    rows.leaverAccounts(store, identityId),
    rows.operationsSince(store, identityId, since),
    rows.ticketsSince(store, identityId, since),
    rows.signalsSince(store, identityId, since),
    rows.rpAccounts(store, identityId),
    rows.opLogins(store, identityId),
    rows.opPayloads(store, identityId),
    rows.eventJobs(store, Number(event.id)),
  ]);
  const first = (await rows.eventEntrySeq(store, identityId, { id: Number(event.id), type: event.type, occurredAt: since })) as number;
  const seqs = await rows.identityEntrySeqs(store, identityId, first);
  const checkpoint = await rows.checkpointCovering(store, seqs.at(-1) ?? first, keyId);
  let n = 0;
  for await (const _ of iterateEntries(store, first, checkpoint?.seq ?? first, 1000)) n++;
  return n;
}

export async function evidenceBenchmark(): Promise<void> {
  line(`\nleaver evidence (${fmt(LEAVERS)} leavers, each with a PIV card and a SCIM account, embedded PGlite)`);
  const world = await leaverWorld(await openStore({ dataDir: ':memory:' }), LEAVERS, { checkpointInterval: 1000 });
  try {
    const ids: string[] = [];
    for (let i = 1; i <= LEAVERS; i++)
      ids.push((await issueDemoPivCard(world.muster, `E${i}`, `${world.dir}/E${i}`, 'pin', { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: `bench-${i}` })).identityId);
    await world.settle();
    for (let i = 1; i <= LEAVERS; i++) await hrLeaver(world, `E${i}`);
    await world.settle();
    let started = performance.now();
    let bytes = 0;
    for (const identityId of ids) bytes += (await produceEvidence(world.muster, { identityId, actor: 'bench', correlationId: 'bench-evidence', connectors: world.connectors })).text.length;
    const signed = (performance.now() - started) / 1000;
    started = performance.now();
    for (const identityId of ids) await readRows(world.muster.store, identityId, world.muster.auditKeys.signer.keyId);
    const read = (performance.now() - started) / 1000;
    line(`  signed bundles (OCSP signed, SCIM read back, JWS): ${fmt(LEAVERS / signed, 1).padStart(9)} bundles/s  ${signed.toFixed(2).padStart(7)} s  ${fmt(bytes / LEAVERS / 1024, 1)} KiB each`);
    line(`  the same rows read back, nothing signed or asked:  ${fmt(LEAVERS / read, 1).padStart(9)} leavers/s  ${read.toFixed(2).padStart(7)} s`);
    line(`  evidence costs ${(signed / read).toFixed(1)}x the plain read`);
  } finally {
    await world.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await evidenceBenchmark();

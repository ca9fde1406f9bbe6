import type { Store } from '../store/store.ts';
import type { AuditEntry } from './chain.ts';
import { Findings } from './findings.ts';
import { checkpointsBetween, countEntriesUpTo, entriesAfter, firstDuplicateUpTo } from './audit-repository.ts';
import { ChainChecker } from './verify-chain.ts';
import { CheckpointChecker, type TrustedKeys } from './verify-checkpoints.ts';

export interface VerifyResult {
  readonly ok: boolean;
  readonly entries: number;
  readonly checkpoints: number;
  /** The lowest-numbered problem found. */
  readonly firstBad?: { readonly seq: number; readonly problem: string };
  readonly warnings: string[];
}

export interface VerifyOptions {
  /** Entries read per query (default 2000). Memory use is proportional to this, not to the log. */
  readonly batchSize?: number;
}

const DEFAULT_BATCH = 2000;
/** Below any real seq, so tampered rows with seq <= 0 are read too. */
const BEFORE_ALL = Number.MIN_SAFE_INTEGER;

interface Checkers {
  readonly chain: ChainChecker;
  readonly checkpoints: CheckpointChecker;
  readonly findings: Findings;
}

/**
 * Reads the whole audit log in seq order, recomputes every hash, follows the chain and checks
 * every signed checkpoint. Runs outside a transaction so a long verification blocks no writer
 * (and, on PGlite, no other work for longer than one batch); entries appended while it runs are
 * read as long as the walk has not reached the end.
 */
export async function verifyAuditLog(store: Store, keys: TrustedKeys, options: VerifyOptions = {}): Promise<VerifyResult> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  const findings = new Findings();
  const checkers: Checkers = { chain: new ChainChecker(findings), checkpoints: new CheckpointChecker(findings, keys), findings };
  const lastSeq = Math.max(0, await walkEntries(store, checkers, batchSize));
  await checkTail(store, checkers, lastSeq, batchSize);
  checkers.chain.finish();
  await checkCount(store, lastSeq, checkers.chain.entries, findings);
  checkers.checkpoints.finish(lastSeq);
  const firstBad = findings.firstBad;
  return {
    ok: firstBad === undefined,
    entries: checkers.chain.entries,
    checkpoints: checkers.checkpoints.checkpoints,
    ...(firstBad ? { firstBad } : {}),
    warnings: findings.warnings,
  };
}

/** Feeds every entry to the chain checker and each batch's checkpoints to the checkpoint checker; returns the last seq read. */
async function walkEntries(store: Store, checkers: Checkers, batchSize: number): Promise<number> {
  let after = BEFORE_ALL;
  for (;;) {
    const batch = await entriesAfter(store, after, batchSize);
    const last = batch.at(-1);
    if (last === undefined) return after;
    for (const entry of batch) checkers.chain.check(entry);
    await checkBatchCheckpoints(store, checkers.checkpoints, batch, { after, last: last.seq, batchSize });
    after = last.seq;
  }
}

interface Range {
  readonly after: number;
  readonly last: number;
  readonly batchSize: number;
}

/** The checkpoints in (after, last], paged: a gap in the entries could hide many. */
async function checkBatchCheckpoints(store: Store, checker: CheckpointChecker, batch: readonly AuditEntry[], range: Range): Promise<void> {
  const hashes = new Map(batch.map((e) => [e.seq, e.hash]));
  for (let from = range.after; ; ) {
    const cps = await checkpointsBetween(store, from, range.last, range.batchSize);
    checker.checkAgainst(cps, hashes);
    const tail = cps.at(-1);
    if (tail === undefined || cps.length < range.batchSize) return;
    from = tail.seq;
  }
}

/** Checkpoints past the last entry mean the newest entries were deleted, unless entries were appended meanwhile. */
async function checkTail(store: Store, checkers: Checkers, lastSeq: number, batchSize: number): Promise<void> {
  let from = lastSeq;
  for (;;) {
    const cps = await checkpointsBetween(store, from, Number.MAX_SAFE_INTEGER, batchSize);
    const tail = cps.at(-1);
    if (tail === undefined) return;
    const appended = await entriesAfter(store, lastSeq, 1);
    if (appended.length > 0) return; // the log grew during verification; what was read has been checked
    checkers.checkpoints.checkBeyondEnd(cps, lastSeq);
    from = tail.seq;
  }
}

/** Keyset reading skips a seq repeated across a batch boundary (possible only if the primary key was dropped): count to catch it. */
async function checkCount(store: Store, lastSeq: number, seen: number, findings: Findings): Promise<void> {
  const count = await countEntriesUpTo(store, lastSeq);
  if (count === seen) return;
  const seq = (await firstDuplicateUpTo(store, lastSeq)) ?? lastSeq;
  findings.report(seq, `entry ${seq}: duplicated (the log holds ${count} entries up to seq ${lastSeq}, ${seen} were read in order)`);
}

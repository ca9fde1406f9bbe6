import { type AuditEntry, GENESIS_HASH, entryHash } from './chain.ts';
import type { Findings } from './findings.ts';

/** How many earlier hashes are remembered to recognise entries inserted into the chain. */
const LOOKBACK = 16;

interface Link {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Checks entries fed in seq order: numbering, the prev_hash link and each entry's own hash.
 * Pure: no I/O, constant memory. A broken link between two self-consistent entries is judged
 * one entry later, when it is known which side of the link was rewritten.
 */
export class ChainChecker {
  readonly #findings: Findings;
  #expected = 1;
  #recent: Link[] = [{ seq: 0, hash: GENESIS_HASH }];
  /** A self-consistent entry whose prev_hash does not match its predecessor. */
  #pending: Link | undefined;
  entries = 0;

  constructor(findings: Findings) {
    this.#findings = findings;
  }

  get #prev(): Link {
    return this.#recent.at(-1) as Link;
  }

  check(entry: AuditEntry): void {
    this.entries++;
    const selfOk = entryHash(entry) === entry.hash;
    if (entry.seq === this.#expected) this.#checkLink(entry, selfOk);
    else this.#numberingProblem(entry);
    if (!selfOk) this.#findings.report(entry.seq, `entry ${entry.seq}: hash does not match its contents (edited)`);
    this.#advance(entry);
  }

  /** Call after the last entry. */
  finish(): void {
    this.#resolvePending(false);
  }

  #checkLink(entry: AuditEntry, selfOk: boolean): void {
    this.#resolvePending(entry.prevHash === this.#pending?.hash);
    if (entry.prevHash === this.#prev.hash) return;
    if (this.#reportInsertion(entry)) return;
    if (!selfOk) return;
    if (entry.seq === 1) this.#findings.report(1, 'entry 1: prev_hash is not the genesis hash');
    else this.#pending = { seq: entry.seq, hash: entry.hash };
  }

  /** The entry links to an older entry than its predecessor: the entries between were inserted. */
  #reportInsertion(entry: AuditEntry): boolean {
    const at = this.#recent.findLastIndex((l) => l.hash === entry.prevHash);
    const linked = this.#recent[at];
    if (linked === undefined || at === this.#recent.length - 1) return false;
    const first = linked.seq + 1;
    const last = entry.seq - 1;
    const which = first === last ? `entry ${first}: inserted` : `entries ${first}..${last}: inserted`;
    this.#findings.report(first, `${which} (entry ${entry.seq}'s prev_hash links to entry ${linked.seq})`);
    return true;
  }

  /** Either the pending entry was rewritten with a new prev_hash (its successor no longer links to it) or its predecessor was rewritten. */
  #resolvePending(successorLinks: boolean): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    const before = pending.seq - 1;
    if (successorLinks) {
      this.#findings.report(before, `entry ${before}: rewritten (its hash no longer matches the prev_hash recorded in entry ${pending.seq})`);
    } else {
      this.#findings.report(pending.seq, `entry ${pending.seq}: prev_hash does not match entry ${before}`);
    }
  }

  #numberingProblem(entry: AuditEntry): void {
    this.#resolvePending(false);
    const expected = this.#expected;
    if (entry.seq > expected) {
      this.#findings.report(expected, `entry ${expected}: missing (expected seq ${expected}, found ${entry.seq})`);
    } else {
      this.#findings.report(entry.seq, `entry ${entry.seq}: out of order or duplicated (expected seq ${expected})`);
    }
  }

  #advance(entry: AuditEntry): void {
    this.#expected = Math.max(this.#expected, entry.seq + 1);
    this.#recent.push({ seq: entry.seq, hash: entry.hash });
    if (this.#recent.length > LOOKBACK) this.#recent.shift();
  }
}

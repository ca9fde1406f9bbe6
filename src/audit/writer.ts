import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import type { Tx } from '../store/store.ts';
import { type AuditDraft, type AuditEntry, GENESIS_HASH, entryHash } from './chain.ts';
import type { CheckpointSigner } from './checkpoint.ts';

/** Advisory lock that serialises appends across every process sharing the database. */
export const AUDIT_LOCK = 7_266_002;

const COLUMNS = ['seq', 'at', 'actor', 'action', 'target', 'reason', 'correlation_id', 'data', 'prev_hash', 'hash'] as const;

export interface AuditWriterOptions {
  readonly clock: Clock;
  readonly signer: CheckpointSigner;
  /** A signed checkpoint is written at every multiple of this sequence number. */
  readonly checkpointInterval: number;
}

/** Appends entries to the hash-chained log inside the caller's transaction. */
/** Drafts that share a correlation id. */
export interface AuditGroup {
  readonly drafts: readonly AuditDraft[];
  readonly correlationId: string;
}

export class AuditWriter {
  readonly #options: AuditWriterOptions;

  constructor(options: AuditWriterOptions) {
    this.#options = options;
  }

  async append(tx: Tx, drafts: readonly AuditDraft[], correlationId: string): Promise<AuditEntry[]> {
    return this.appendGroups(tx, [{ drafts, correlationId }]);
  }

  /** Appends several groups of drafts, each under its own correlation id, under one lock and in one write. */
  async appendGroups(tx: Tx, groups: readonly AuditGroup[]): Promise<AuditEntry[]> {
    if (groups.every((g) => g.drafts.length === 0)) return [];
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    const [tail] = await tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    await refuseTruncatedLog(tx, tail?.seq ?? 0);
    const at = this.#options.clock.now();
    const entries: AuditEntry[] = [];
    let [seq, hash] = [tail?.seq ?? 0, tail?.hash ?? GENESIS_HASH];
    for (const group of groups.filter((g) => g.drafts.length > 0)) {
      const chained = chainEntries(group.drafts, seq, hash, at, group.correlationId);
      entries.push(...chained);
      [seq, hash] = [chained.at(-1)!.seq, chained.at(-1)!.hash];
    }
    await tx.copyRows('audit_log', COLUMNS, entries.map(entryRow));
    await this.#checkpoint(tx, entries, at);
    return entries;
  }

  /**
   * Signs a checkpoint at the newest entry, so that nothing written so far can be cut from the tail
   * unnoticed (a large import seals its own entries before it commits).
   */
  async seal(tx: Tx): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    const [tail] = await tx.query<{ seq: number; hash: string; sealed: boolean }>(
      'SELECT a.seq, a.hash, EXISTS (SELECT 1 FROM audit_checkpoints c WHERE c.seq = a.seq) AS sealed FROM audit_log a ORDER BY a.seq DESC LIMIT 1',
    );
    if (!tail || tail.sealed) return;
    const signature = this.#options.signer.sign(tail.seq, tail.hash);
    await tx.copyRows('audit_checkpoints', ['seq', 'hash', 'key_id', 'signature', 'signed_at'], [[tail.seq, tail.hash, this.#options.signer.keyId, signature, this.#options.clock.now()]]);
  }

  async #checkpoint(tx: Tx, entries: readonly AuditEntry[], at: Date): Promise<void> {
    const interval = this.#options.checkpointInterval;
    const due = entries.filter((e) => e.seq % interval === 0);
    if (due.length === 0) return;
    const rows = due.map((e) => {
      const signature = this.#options.signer.sign(e.seq, e.hash);
      return [e.seq, e.hash, this.#options.signer.keyId, signature, at];
    });
    await tx.copyRows('audit_checkpoints', ['seq', 'hash', 'key_id', 'signature', 'signed_at'], rows);
  }
}

/** A checkpoint past the newest entry means entries were deleted: appending would hide it, so refuse. */
async function refuseTruncatedLog(tx: Tx, lastSeq: number): Promise<void> {
  const [beyond] = await tx.query<{ seq: number }>('SELECT seq FROM audit_checkpoints WHERE seq > $1 ORDER BY seq LIMIT 1', [lastSeq]);
  if (beyond) {
    throw new MusterError('MUSTER_ERR_AUDIT_CHAIN', `the audit log ends at entry ${lastSeq} but a signed checkpoint names entry ${beyond.seq}: entries were deleted; run 'muster audit verify'`);
  }
}

function chainEntries(drafts: readonly AuditDraft[], lastSeq: number, lastHash: string, at: Date, correlationId: string): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prevHash = lastHash;
  for (const [i, draft] of drafts.entries()) {
    const base = {
      seq: lastSeq + i + 1,
      at,
      actor: draft.actor,
      action: draft.action,
      target: draft.target ?? null,
      reason: draft.reason ?? null,
      correlationId,
      data: draft.data ?? {},
      dataText: JSON.stringify(draft.data ?? {}),
      prevHash,
    };
    const entry = { ...base, hash: entryHash(base) };
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

function entryRow(e: AuditEntry): unknown[] {
  return [e.seq, e.at, e.actor, e.action, e.target, e.reason, e.correlationId, e.dataText, e.prevHash, e.hash];
}

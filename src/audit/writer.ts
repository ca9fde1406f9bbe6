import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import type { Queryable, Tx } from '../store/store.ts';
import {
  type AlongsideWrite,
  type Link,
  type NewCheckpoint,
  appendAtHead,
  writeAlongside,
  firstCheckpointAfter,
  insertCheckpoints,
  insertEntries,
  lastEntry,
  lastEntrySealed,
  lockAuditLog,
} from './audit-repository.ts';
import { stampToken } from './acting.ts';
import { type AuditDraft, type AuditEntry, GENESIS_HASH, entryHash } from './chain.ts';
import type { CheckpointSigner } from './checkpoint.ts';

export { AUDIT_LOCK } from './audit-repository.ts';

export interface AuditWriterOptions {
  readonly clock: Clock;
  readonly signer: CheckpointSigner;
  /** A signed checkpoint is written at every multiple of this sequence number. */
  readonly checkpointInterval: number;
  /** The domain event that caused what is audited: named (`data.event_id`) by every entry that names no event itself. */
  readonly eventId?: number | null;
}

/**
 * The log's tail as a transaction left it after its first append, which took the audit lock (held to the end of the
 * transaction, so that no other writer appends meanwhile): its next appends chain on without asking again. A batch of
 * jobs sharing one transaction (a mass termination) sends one statement per append instead of four.
 */
const TAILS = new WeakMap<Queryable, Link>();

/** Takes the audit lock for the rest of the transaction; the log's tail, refused when the log was cut short. */
async function lockedTail(tx: Tx): Promise<Link> {
  await lockAuditLog(tx);
  const tail = await lastEntry(tx);
  await refuseTruncatedLog(tx, tail?.seq ?? 0);
  return tail ?? { seq: 0, hash: GENESIS_HASH };
}

/** Appends entries to the hash-chained log inside the caller's transaction. */
/** Drafts that share a correlation id. */
export interface AuditGroup {
  readonly drafts: readonly AuditDraft[];
  readonly correlationId: string;
  /** Writes that commit with these entries or not at all. */
  readonly alongside?: readonly AlongsideWrite[] | undefined;
}

export class AuditWriter {
  readonly #options: AuditWriterOptions;

  constructor(options: AuditWriterOptions) {
    this.#options = options;
  }

  /** A writer like this one whose entries name `eventId` as their cause (unless they name an event themselves). */
  forEvent(eventId: number | null): AuditWriter {
    return eventId === null ? this : new AuditWriter({ ...this.#options, eventId });
  }

  async append(tx: Tx, drafts: readonly AuditDraft[], correlationId: string): Promise<AuditEntry[]> {
    return this.appendGroups(tx, [{ drafts, correlationId }]);
  }

  /** Appends several groups of drafts, each under its own correlation id, under one lock and in one write. */
  async appendGroups(tx: Tx, groups: readonly AuditGroup[]): Promise<AuditEntry[]> {
    if (groups.every((g) => g.drafts.length === 0)) return [];
    const tail = TAILS.get(tx) ?? (await lockedTail(tx));
    const { entries, checkpoints } = this.#chained(groups, tail);
    await insertEntries(tx, entries);
    await insertCheckpoints(tx, checkpoints);
    await writeAlongside(tx, alongsideOf(groups));
    const last = entries.at(-1);
    TAILS.set(tx, last ? { seq: last.seq, hash: last.hash } : tail);
    return entries;
  }

  /**
   * Appends the groups in one statement of its own (no transaction around it), chained after `head`: written only if
   * the log still ends there. Returns the entries, or undefined when the log has moved on and nothing was written.
   */
  async appendGroupsAtHead(q: Queryable, head: Link, groups: readonly AuditGroup[]): Promise<AuditEntry[] | undefined> {
    if (groups.every((g) => g.drafts.length === 0)) return [];
    TAILS.delete(q);
    const { entries, checkpoints } = this.#chained(groups, head);
    return (await appendAtHead(q, head, entries, checkpoints, alongsideOf(groups))) ? entries : undefined;
  }

  /** The groups' entries chained after `head`, and the signed checkpoints due among them. */
  #chained(groups: readonly AuditGroup[], head: Link): { entries: AuditEntry[]; checkpoints: NewCheckpoint[] } {
    const at = this.#options.clock.now();
    const entries: AuditEntry[] = [];
    let [seq, hash] = [head.seq, head.hash];
    for (const group of groups.filter((g) => g.drafts.length > 0)) {
      const chained = chainEntries(
        stampToken(group.drafts).map((d) => this.#threaded(d)),
        seq,
        hash,
        at,
        group.correlationId,
      );
      entries.push(...chained);
      [seq, hash] = [chained.at(-1)!.seq, chained.at(-1)!.hash];
    }
    const interval = this.#options.checkpointInterval;
    return { entries, checkpoints: entries.filter((e) => e.seq % interval === 0).map((e) => this.#signed(e, at)) };
  }

  #threaded(draft: AuditDraft): AuditDraft {
    const eventId = this.#options.eventId;
    if (eventId === undefined || eventId === null || draft.data?.event_id !== undefined) return draft;
    return { ...draft, data: { ...(draft.data ?? {}), event_id: eventId } };
  }

  /**
   * Signs a checkpoint at the newest entry, so that nothing written so far can be cut from the tail
   * unnoticed (a large import seals its own entries before it commits).
   */
  async seal(tx: Tx): Promise<void> {
    await lockAuditLog(tx);
    const tail = await lastEntrySealed(tx);
    if (!tail || tail.sealed) return;
    await insertCheckpoints(tx, [this.#signed(tail, this.#options.clock.now())]);
  }

  #signed(entry: { readonly seq: number; readonly hash: string }, signedAt: Date): NewCheckpoint {
    const { signer } = this.#options;
    return { seq: entry.seq, hash: entry.hash, keyId: signer.keyId, signature: signer.sign(entry.seq, entry.hash), signedAt };
  }
}

function alongsideOf(groups: readonly AuditGroup[]): AlongsideWrite[] {
  return groups.flatMap((g) => g.alongside ?? []);
}

/** A checkpoint past the newest entry means entries were deleted: appending would hide it, so refuse. */
async function refuseTruncatedLog(tx: Tx, lastSeq: number): Promise<void> {
  const beyond = await firstCheckpointAfter(tx, lastSeq);
  if (beyond !== undefined) {
    throw new MusterError('MUSTER_ERR_AUDIT_CHAIN', `the audit log ends at entry ${lastSeq} but a signed checkpoint names entry ${beyond}: entries were deleted; run 'muster audit verify'`);
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

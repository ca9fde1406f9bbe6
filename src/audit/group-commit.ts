import type { AlongsideWrite, Link } from './audit-repository.ts';
import { stampToken } from './acting.ts';
import type { AuditDraft } from './chain.ts';
import type { Store } from '../store/store.ts';
import type { AuditGroup, AuditWriter } from './writer.ts';

interface Waiting extends AuditGroup {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit for audit entries that stand alone (sign-ins, tokens issued, refusals): callers wait until their
 * entries are committed, but entries arriving while one write runs go together in the next, so a burst of sign-ins
 * takes the audit log's lock once per write instead of once per entry. Each write is one statement chained after the
 * head this group commit last wrote or saw; when another writer (or another process) has appended since, nothing is
 * written and the batch goes the long way (a transaction that locks the log and reads its head), which refreshes it.
 */
export class AuditGroupCommit {
  readonly #store: Store;
  readonly #writer: AuditWriter;
  #waiting: Waiting[] = [];
  #running: Promise<void> | undefined;
  /** The log's newest entry as this group commit last wrote it: where its next one-statement write chains on. */
  #head: Link | undefined;

  constructor(store: Store, writer: AuditWriter) {
    this.#store = store;
    this.#writer = writer;
  }

  /** Resolves once the drafts are in the log, and `alongside` written with them (rejects if their write failed). */
  append(drafts: readonly AuditDraft[], correlationId: string, alongside: readonly AlongsideWrite[] = []): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ drafts: stampToken(drafts), correlationId, alongside, resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    await Promise.resolve();
    while (this.#waiting.length > 0) {
      const batch = this.#nextBatch();
      try {
        await this.#write(batch);
        for (const w of batch) w.resolve();
      } catch (error) {
        await this.#oneByOne(batch, error);
      }
    }
    this.#running = undefined;
  }

  /**
   * The waiting callers to write together, in order; one whose writes beside its entries upsert a row that an earlier
   * one's do waits for the next write (one statement cannot upsert a row twice, and would go the long way).
   */
  #nextBatch(): Waiting[] {
    const rows = new Set<string>();
    const batch: Waiting[] = [];
    const later: Waiting[] = [];
    for (const waiting of this.#waiting) {
      const touched = (waiting.alongside ?? []).flatMap((write) => (write.row === undefined ? [] : [write.row]));
      if (touched.some((row) => rows.has(row))) later.push(waiting);
      else {
        batch.push(waiting);
        for (const row of touched) rows.add(row);
      }
    }
    this.#waiting = later;
    return batch;
  }

  /** A batch that failed: each caller's entries (and writes beside them) are tried alone, so one's failure is not the others'. */
  async #oneByOne(batch: readonly Waiting[], error: unknown): Promise<void> {
    if (batch.length === 1) return batch[0]!.reject(error);
    for (const w of batch) {
      try {
        await this.#write([w]);
        w.resolve();
      } catch (alone) {
        w.reject(alone);
      }
    }
  }

  async #write(batch: readonly AuditGroup[]): Promise<void> {
    const head = this.#head;
    this.#head = undefined;
    const entries = (head && (await this.#writer.appendGroupsAtHead(this.#store, head, batch))) ?? (await this.#store.transaction((tx) => this.#writer.appendGroups(tx, batch)));
    const last = entries.at(-1);
    this.#head = last ? { seq: last.seq, hash: last.hash } : head;
  }
}

const groups = new WeakMap<AuditWriter, WeakMap<Store, AuditGroupCommit>>();

/** The group commit of a writer over a store, made on first use. */
export function auditGroupCommit(store: Store, writer: AuditWriter): AuditGroupCommit {
  const byStore = groups.get(writer) ?? new WeakMap<Store, AuditGroupCommit>();
  groups.set(writer, byStore);
  const found = byStore.get(store) ?? new AuditGroupCommit(store, writer);
  byStore.set(store, found);
  return found;
}

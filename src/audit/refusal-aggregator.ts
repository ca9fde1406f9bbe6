import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/store.ts';
import type { AuditDraft } from './chain.ts';
import { auditGroupCommit } from './group-commit.ts';
import type { AuditWriter } from './writer.ts';

/** One refused request as an aggregate entry describes it. */
export interface RefusalSample {
  readonly method: string;
  readonly path: string;
  readonly reason: string;
}

/** A refusal to audit: who sent it (`address:…`, `token:…`, `client:…`), the entry it would be alone, and a sample of it. */
export interface RefusalNotice {
  readonly source: string;
  readonly draft: AuditDraft;
  readonly sample: RefusalSample;
  readonly correlationId: string;
}

export interface RefusalAggregatorOptions {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  /** Length of a source's window (default 60). */
  readonly windowSeconds?: number;
  /** Refusals of a source written one by one at the start of each window before the rest are counted (default 1). */
  readonly writtenAtOnce?: number;
  /** Refused requests described in each aggregate entry (default 5). */
  readonly samples?: number;
  /** Sources tracked at once; past that, new sources are counted under `overflow` (default 10,000). */
  readonly maxSources?: number;
  /** Told when an aggregate entry could not be written (the refusals are answered anyway). */
  readonly onError?: (error: unknown) => void;
}

interface Window {
  readonly first: RefusalNotice;
  readonly startMs: number;
  written: number;
  count: number;
  lastMs: number;
  readonly samples: RefusalSample[];
}

const PATH_SHOWN = 200;
const REASON_SHOWN = 200;
const OVERFLOW = 'overflow';

/** What an aggregate entry keeps of a value the request chose: control characters replaced, cut short. */
export function clippedText(value: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * Refusals audited as aggregates: the first refusals (`writtenAtOnce`) of an action from a source in a window are
 * written at once, as they would be alone; the rest of that window are counted, and written as one entry with their count and a few samples
 * when the window closes (`flushDue`, run periodically) or when the next refusal from that source comes after it. So
 * a flood of refused requests adds a couple of entries per source per window, not one per request.
 */
export class RefusalAggregator {
  readonly #options: RefusalAggregatorOptions;
  readonly #windowMs: number;
  readonly #samples: number;
  readonly #writtenAtOnce: number;
  readonly #maxSources: number;
  readonly #windows = new Map<string, Window>();

  constructor(options: RefusalAggregatorOptions) {
    this.#options = options;
    this.#windowMs = (options.windowSeconds ?? 60) * 1000;
    this.#samples = options.samples ?? 5;
    this.#writtenAtOnce = options.writtenAtOnce ?? 1;
    this.#maxSources = options.maxSources ?? 10_000;
  }

  /** Sources with an open window. */
  get tracked(): number {
    return this.#windows.size;
  }

  /** Audits the refusal: at once when it opens a window, else counted in the window's aggregate entry. */
  async refuse(notice: RefusalNotice): Promise<void> {
    const nowMs = this.#options.clock.now().getTime();
    const key = this.#keyOf(notice);
    const open = this.#windows.get(key);
    if (open && nowMs < open.startMs + this.#windowMs && open.written >= this.#writtenAtOnce) return this.#count(open, notice, nowMs);
    const source = key.endsWith(`\u0000${OVERFLOW}`) ? OVERFLOW : notice.source;
    if (open && nowMs < open.startMs + this.#windowMs) open.written += 1;
    else {
      if (open) void this.#close(key, open);
      this.#windows.set(key, { first: { ...notice, source }, startMs: nowMs, lastMs: nowMs, written: 1, count: 0, samples: [] });
    }
    await this.#write([{ ...notice.draft, data: { ...notice.draft.data, source } }], notice.correlationId);
  }

  /** Writes the aggregate entries of every window that has closed. */
  async flushDue(): Promise<void> {
    const nowMs = this.#options.clock.now().getTime();
    const writes: Promise<void>[] = [];
    for (const [key, window] of this.#windows) if (nowMs >= window.startMs + this.#windowMs) writes.push(this.#close(key, window));
    await Promise.all(writes);
  }

  /** Writes the aggregate entry of every open window (at shutdown). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.#windows].map(([key, window]) => this.#close(key, window)));
  }

  #keyOf(notice: RefusalNotice): string {
    const key = `${notice.draft.action}\u0000${notice.source}`;
    if (this.#windows.has(key) || this.#windows.size < this.#maxSources) return key;
    return `${notice.draft.action}\u0000${OVERFLOW}`;
  }

  #count(window: Window, notice: RefusalNotice, nowMs: number): void {
    window.count += 1;
    window.lastMs = nowMs;
    if (window.samples.length < this.#samples) window.samples.push(sampleOf(notice.sample));
  }

  #close(key: string, window: Window): Promise<void> {
    this.#windows.delete(key);
    if (window.count === 0) return Promise.resolve();
    const { first } = window;
    const seconds = this.#windowMs / 1000;
    const data = {
      source: first.source,
      count: window.count,
      from: new Date(window.startMs).toISOString(),
      to: new Date(window.lastMs).toISOString(),
      samples: window.samples,
    };
    const reason = `${window.count} more ${first.draft.action} from ${first.source} within ${seconds} s of the first`;
    return this.#write([{ actor: first.draft.actor, action: first.draft.action, target: first.draft.target ?? null, reason, data }], `${first.correlationId}-aggregate`);
  }

  #write(drafts: readonly AuditDraft[], correlationId: string): Promise<void> {
    return auditGroupCommit(this.#options.store, this.#options.audit)
      .append(drafts, correlationId)
      .catch((error: unknown) => this.#options.onError?.(error));
  }
}

function sampleOf(sample: RefusalSample): RefusalSample {
  return { method: clippedText(sample.method, 16), path: clippedText(sample.path, PATH_SHOWN), reason: clippedText(sample.reason, REASON_SHOWN) };
}

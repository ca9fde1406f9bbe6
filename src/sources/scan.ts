import type { ErrorDetail } from '../core/errors.ts';
import type { ValidatedRow } from './checked-rows.ts';
import type { LinkInfo } from './links.ts';
import { type ImportSummary, emptySummary } from './runs.ts';
import type { SourceRecord } from './validate.ts';

/** At most this many row errors are kept on a run; all are counted. */
export const MAX_KEPT_ERRORS = 1000;

const ENDED = new Set(['terminated', 'archived']);

export interface CheckedRow {
  readonly record: SourceRecord;
  readonly digest: string;
  readonly link: LinkInfo | undefined;
}

/**
 * Checks rows one by one as they stream past: validity, duplicate keys, and whether the record
 * differs from what the MUR last took from this source. Counts and errors go to the summary.
 */
export class RowChecker {
  readonly summary: ImportSummary = emptySummary();
  readonly errors: ErrorDetail[] = [];
  readonly #file: string;
  #links: Map<string, LinkInfo> = new Map();
  readonly #newKeys = new Map<string, number>();

  constructor(file: string) {
    this.#file = file;
  }

  /** What the MUR holds for the source now, read inside the import's transaction. */
  useLinks(links: Map<string, LinkInfo>): void {
    this.#links = links;
  }

  /** The row's record when it is valid and changed; null when it is invalid or unchanged. */
  check(row: ValidatedRow): CheckedRow | null {
    this.summary.rows++;
    if ('errors' in row) return this.#fail(row.errors);
    const { record, digest } = row;
    const duplicate = this.#duplicate(record);
    if (duplicate) return this.#fail([duplicate]);
    this.summary.valid++;
    const link = this.#links.get(record.key);
    if (link?.digest === digest) {
      this.summary.unchanged++;
      return null;
    }
    return { record, digest, link };
  }

  /** Problems found while applying count as invalid rows too. */
  addProblems(problems: readonly ErrorDetail[]): void {
    this.summary.invalid += problems.length;
    for (const p of problems) if (this.errors.length < MAX_KEPT_ERRORS) this.errors.push(p);
  }

  #fail(details: readonly ErrorDetail[]): null {
    this.summary.invalid++;
    for (const d of details) if (this.errors.length < MAX_KEPT_ERRORS) this.errors.push(d);
    return null;
  }

  #duplicate(record: SourceRecord): ErrorDetail | null {
    const link = this.#links.get(record.key);
    if (link) {
      if (!link.seen) {
        link.seen = true;
        return null;
      }
      return { file: this.#file, line: record.line, field: 'key', value: record.key, message: `duplicate key ${record.key}: it appears earlier in the file` };
    }
    const first = this.#newKeys.get(record.key);
    if (first !== undefined) return { file: this.#file, line: record.line, field: 'key', value: record.key, message: `duplicate key ${record.key}: first on line ${first}` };
    this.#newKeys.set(record.key, record.line);
    return null;
  }
}

/** A link the snapshot no longer lists, with its record key. */
export interface AbsentLink extends LinkInfo {
  readonly key: string;
}

/** Linked identities the snapshot no longer lists and that are still live: leavers by absence. */
export function absentLinks(links: Map<string, LinkInfo>): AbsentLink[] {
  const absent: AbsentLink[] = [];
  for (const [key, link] of links) if (!link.seen && !ENDED.has(link.status)) absent.push({ ...link, key });
  return absent;
}

export function livePopulation(links: Map<string, LinkInfo>): number {
  let n = 0;
  for (const link of links.values()) if (!ENDED.has(link.status)) n++;
  return n;
}

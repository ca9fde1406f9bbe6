import type { ErrorDetail } from '../core/errors.ts';
import { recordDigest } from './digest.ts';
import type { LinkInfo } from './links.ts';
import type { FileFormat } from './reader.ts';
import { readRows } from './reader.ts';
import type { Source } from './registry.ts';
import { type ImportSummary, emptySummary } from './runs.ts';
import { type SourceRecord, validateRow } from './validate.ts';

/** At most this many row errors are kept on a run; all are counted. */
export const MAX_KEPT_ERRORS = 1000;

export interface ScanResult {
  readonly summary: ImportSummary;
  readonly errors: ErrorDetail[];
  /** Lines the apply pass must pass over: unreadable, invalid, or a duplicate key. */
  readonly skipLines: Set<number>;
  /** Records that would move a live identity to terminated. */
  readonly terminations: number;
}

export interface ScanInput {
  readonly file: string;
  readonly name: string;
  readonly format: FileFormat;
  readonly source: Source;
  readonly links: Map<string, LinkInfo>;
  readonly onRow?: (rows: number) => void;
}

const ENDED = new Set(['terminated', 'archived']);

/** The first pass: reads and checks every row, finds duplicates and what changed, applies nothing. */
export async function scanFile(input: ScanInput): Promise<ScanResult> {
  const summary = emptySummary();
  const errors: ErrorDetail[] = [];
  const skipLines = new Set<number>();
  const newKeys = new Map<string, number>();
  let terminations = 0;
  const fail = (line: number, details: readonly ErrorDetail[]) => {
    summary.invalid++;
    skipLines.add(line);
    for (const d of details) if (errors.length < MAX_KEPT_ERRORS) errors.push(d);
  };
  for await (const row of readRows(input.file, input.name, input.format, input.source.format)) {
    summary.rows++;
    if (summary.rows % 10_000 === 0) input.onRow?.(summary.rows);
    if ('error' in row) {
      fail(row.line, [row.error]);
      continue;
    }
    const { record, errors: problems } = validateRow(input.source.format, row.raw, { file: input.name, line: row.line });
    if (!record) {
      fail(row.line, problems);
      continue;
    }
    const duplicate = checkDuplicate(record, input.links, newKeys, input.name);
    if (duplicate) {
      fail(row.line, [duplicate]);
      continue;
    }
    summary.valid++;
    const link = input.links.get(record.key);
    if (link && link.digest === recordDigest(record)) summary.unchanged++;
    if (link && record.values.status === 'terminated' && !ENDED.has(link.status)) terminations++;
  }
  input.onRow?.(summary.rows);
  return { summary, errors, skipLines, terminations };
}

function checkDuplicate(record: SourceRecord, links: Map<string, LinkInfo>, newKeys: Map<string, number>, file: string): ErrorDetail | null {
  const link = links.get(record.key);
  if (link) {
    if (!link.seen) {
      link.seen = true;
      return null;
    }
    return { file, line: record.line, field: 'key', value: record.key, message: `duplicate key ${record.key}: it appears earlier in the file` };
  }
  const first = newKeys.get(record.key);
  if (first !== undefined) return { file, line: record.line, field: 'key', value: record.key, message: `duplicate key ${record.key}: first on line ${first}` };
  newKeys.set(record.key, record.line);
  return null;
}

/** Linked identities the snapshot no longer lists and that are still live: leavers by absence. */
export function absentLinks(links: Map<string, LinkInfo>): LinkInfo[] {
  const absent: LinkInfo[] = [];
  for (const link of links.values()) if (!link.seen && !ENDED.has(link.status)) absent.push(link);
  return absent;
}

export function livePopulation(links: Map<string, LinkInfo>): number {
  let n = 0;
  for (const link of links.values()) if (!ENDED.has(link.status)) n++;
  return n;
}

/** Helpers shared by the demo generator's tests (not part of the library API). */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-demo-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Parses a generated CSV strictly: header row, RFC 4180 quoting, every row as wide as the header. */
export async function readCsv(path: string): Promise<{ header: string[]; rows: Record<string, string>[] }> {
  const text = await readFile(path, 'utf8');
  const records = parse(text, { relax_column_count: false, bom: false }) as string[][];
  const [header = [], ...data] = records;
  const rows = data.map((fields) => Object.fromEntries(header.map((name, i) => [name, fields[i] ?? ''])));
  return { header, rows };
}

export function byId(rows: readonly Record<string, string>[], key = 'employee_id'): Map<string, Record<string, string>> {
  return new Map(rows.map((row) => [row[key] ?? '', row]));
}

export function indexOf(employeeId: string): number {
  return Number(employeeId.slice(1));
}

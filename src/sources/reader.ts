import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { MusterError, type ErrorDetail } from '../core/errors.ts';
import type { SourceFormat } from './fields.ts';

export type FileFormat = 'csv' | 'jsonl';

/** One data row: its raw values by column name, or the reason it could not be read. */
export type RawRow = { readonly line: number; readonly raw: Record<string, string> } | { readonly line: number; readonly error: ErrorDetail };

export function formatOf(file: string, given?: string): FileFormat {
  const format = given ?? (/\.jsonl?$/i.test(file) || /\.ndjson$/i.test(file) ? 'jsonl' : 'csv');
  if (format !== 'csv' && format !== 'jsonl') throw new MusterError('MUSTER_ERR_VALIDATION', `unknown file format '${format}'; use csv or jsonl`, [{ field: 'format', message: 'csv or jsonl' }]);
  return format;
}

/** Refuses encodings muster does not read (UTF-16/32 BOMs); a UTF-8 BOM is accepted and skipped. */
export async function checkEncoding(file: string, name: string): Promise<void> {
  const handle = await open(file, 'r').catch((error: Error) => {
    throw new MusterError('MUSTER_ERR_IMPORT_FILE', `cannot open ${name}: ${error.message}`, [{ file: name, message: error.message }]);
  });
  const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
  await handle.close();
  const head = buffer.subarray(0, bytesRead);
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new MusterError('MUSTER_ERR_IMPORT_FILE', `${name} is UTF-16; save it as UTF-8`, [{ file: name, line: 1, message: 'UTF-16 byte order mark' }]);
  }
}

/** Streams the data rows of a snapshot file, checking the header (CSV) or each object's keys (JSONL). */
export function readRows(file: string, name: string, format: FileFormat, source: SourceFormat): AsyncGenerator<RawRow> {
  return format === 'csv' ? readCsv(file, name, source) : readJsonl(file, name, source);
}

async function* readCsv(file: string, name: string, source: SourceFormat): AsyncGenerator<RawRow> {
  const parser = createReadStream(file).pipe(parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true }));
  let header: string[] | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!header) {
        header = checkHeader(
          record.map((c) => c.trim()),
          name,
          source,
        );
        continue;
      }
      yield csvRow(record, header, info.lines, name);
    }
  } catch (error) {
    if (error instanceof MusterError) throw error;
    const line = (error as { lines?: number }).lines;
    throw new MusterError('MUSTER_ERR_IMPORT_FILE', `${name} is not valid CSV: ${(error as Error).message}`, [{ file: name, ...(line ? { line } : {}), message: (error as Error).message }]);
  }
  if (!header) throw new MusterError('MUSTER_ERR_IMPORT_FILE', `${name} is empty: no header row`, [{ file: name, line: 1, message: 'no header row' }]);
}

function csvRow(record: string[], header: string[], line: number, name: string): RawRow {
  if (record.length !== header.length) {
    return { line, error: { file: name, line, message: `has ${record.length} fields; the header has ${header.length}` } };
  }
  const raw: Record<string, string> = {};
  for (let i = 0; i < header.length; i++) raw[header[i] as string] = record[i] as string;
  return { line, raw };
}

function checkHeader(columns: string[], name: string, source: SourceFormat): string[] {
  const known = new Set(source.fields.map((f) => f.name));
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const column of columns) {
    if (!known.has(column)) problems.push({ file: name, line: 1, field: column, message: `unknown column '${column}'; known: ${[...known].join(', ')}` });
    if (seen.has(column)) problems.push({ file: name, line: 1, field: column, message: `column '${column}' appears twice` });
    seen.add(column);
  }
  for (const field of source.fields) {
    if (field.required && !seen.has(field.name)) problems.push({ file: name, line: 1, field: field.name, message: `required column '${field.name}' is missing` });
  }
  if (problems.length > 0) throw new MusterError('MUSTER_ERR_IMPORT_FILE', `${name}: the header does not match the ${source.kind} format`, problems);
  return columns;
}

async function* readJsonl(file: string, name: string, source: SourceFormat): AsyncGenerator<RawRow> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  const known = new Set(source.fields.map((f) => f.name));
  let line = 0;
  for await (let text of lines) {
    line++;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') continue;
    yield jsonRow(text, line, name, known);
  }
}

function jsonRow(text: string, line: number, name: string, known: ReadonlySet<string>): RawRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, error: { file: name, line, message: `is not valid JSON: ${(error as Error).message}` } };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { line, error: { file: name, line, message: 'must be a JSON object' } };
  const raw: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!known.has(key)) return { line, error: { file: name, line, field: key, message: `unknown field '${key}'` } };
    if (v === null) continue;
    if (typeof v === 'object') return { line, error: { file: name, line, field: key, message: `${key} must be a string, number or boolean` } };
    raw[key] = String(v);
  }
  return { line, raw };
}

/** Rows already encoded as COPY text (`encodeCopy`), so that the encoding can be done before the connection is free. */
export class CopyText {
  readonly chunks: readonly string[];
  /** How many rows the text holds. */
  readonly length: number;

  constructor(chunks: readonly string[], length: number) {
    this.chunks = chunks;
    this.length = length;
  }
}

/** The rows as COPY text, ready to send. */
export function encodeCopy(rows: readonly (readonly unknown[])[]): CopyText {
  return new CopyText(encodeCopyChunks(rows), rows.length);
}

/** The chunks of COPY text to send for rows given either way. */
export function copyChunks(rows: CopyRows): readonly string[] {
  return rows instanceof CopyText ? rows.chunks : encodeCopyChunks(rows);
}

/** What a COPY takes: rows of values, or rows already encoded. */
export type CopyRows = readonly (readonly unknown[])[] | CopyText;

/** Rows a chunk of COPY text holds: large enough to send in few writes, small enough to be a flat string of its own. */
const ROWS_PER_CHUNK = 500;

/**
 * The rows in PostgreSQL's COPY text format (tab-separated, \N for null), in chunks, each a flat string of whole lines (joined, not appended: a string grown by
 * appending is a tree that has to be flattened again before it is sent).
 */
export function encodeCopyChunks(rows: readonly (readonly unknown[])[]): string[] {
  const chunks: string[] = [];
  const lines: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as readonly unknown[];
    let line = encodeCell(row[0]);
    for (let j = 1; j < row.length; j++) line += `\t${encodeCell(row[j])}`;
    lines.push(`${line}\n`);
    if (lines.length === ROWS_PER_CHUNK) chunks.push(lines.splice(0).join(''));
  }
  if (lines.length > 0) chunks.push(lines.join(''));
  return chunks;
}

function encodeCell(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return escapeText(value);
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return '\\N';
    default:
      if (value === null) return '\\N';
      if (value instanceof Date) return value.toISOString();
      return escapeText(JSON.stringify(value));
  }
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeText(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ESCAPES[c] as string) : text;
}

export function copyStatement(table: string, columns: readonly string[], source: string): string {
  return `COPY ${table} (${columns.join(', ')}) FROM ${source}`;
}

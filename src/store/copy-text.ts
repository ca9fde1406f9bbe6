/** Encodes rows in PostgreSQL's COPY text format (tab-separated, \N for null). */
export function encodeCopyText(rows: readonly (readonly unknown[])[]): string {
  let out = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as readonly unknown[];
    let line = encodeCell(row[0]);
    for (let j = 1; j < row.length; j++) line += `\t${encodeCell(row[j])}`;
    out += `${line}\n`;
  }
  return out;
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

/** Encodes rows in PostgreSQL's COPY text format (tab-separated, \N for null). */
export function encodeCopyText(rows: readonly (readonly unknown[])[]): string {
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as readonly unknown[];
    const cells = new Array<string>(row.length);
    for (let j = 0; j < row.length; j++) cells[j] = encodeCell(row[j]);
    lines[i] = cells.join('\t');
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function encodeCell(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return escapeText(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return value.toISOString();
  return escapeText(JSON.stringify(value));
}

const SPECIAL = /[\\\t\n\r]/;

function escapeText(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export function copyStatement(table: string, columns: readonly string[], source: string): string {
  return `COPY ${table} (${columns.join(', ')}) FROM ${source}`;
}

/** Turns a row (fields in column order) into one line of CSV (RFC 4180) or JSON Lines, without the line end. */
export type DemoFormat = 'csv' | 'jsonl';
export type LineEncoder = (fields: readonly string[]) => string;

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvEncoder(): LineEncoder {
  return (fields) => {
    let line = csvField(fields[0] ?? '');
    for (let i = 1; i < fields.length; i++) line += `,${csvField(fields[i] as string)}`;
    return line;
  };
}

function jsonEncoder(columns: readonly string[]): LineEncoder {
  const prefixes = columns.map((name, i) => `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`);
  return (fields) => {
    let line = '';
    for (let i = 0; i < prefixes.length; i++) line += prefixes[i] + JSON.stringify(fields[i] ?? '');
    return `${line}}`;
  };
}

export function lineEncoder(format: DemoFormat, columns: readonly string[]): LineEncoder {
  return format === 'csv' ? csvEncoder() : jsonEncoder(columns);
}

/** The first line of a file: the header for CSV, nothing for JSON Lines. */
export function headerLine(format: DemoFormat, columns: readonly string[]): string | undefined {
  return format === 'csv' ? columns.map(csvField).join(',') : undefined;
}

import { type Cell, csvField, toCsv } from './csv.ts';
import type { Report } from './reports.ts';

export const REPORT_FORMATS = ['csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The JSON body of a report: its name, when and how it ran, its columns and rows. */
export function reportJson(report: Report) {
  return {
    name: report.name,
    generatedAt: report.generatedAt.toISOString(),
    parameters: report.parameters,
    columns: report.columns,
    rows: report.rows.map((row) => Object.fromEntries(report.columns.map((c) => [c, jsonCell(row[c])]))),
    truncated: report.truncated,
  };
}

function jsonCell(value: Cell): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  return value instanceof Date ? value.toISOString() : value;
}

export function reportCsv(report: Report): string {
  return toCsv(report.columns, report.rows);
}

/** One CSV line (CRLF-ended) of `row` in `columns` order; for streamed exports. */
export function csvLine(columns: readonly string[], row: Readonly<Record<string, Cell>>): string {
  return `${columns.map((c) => csvField(row[c])).join(',')}\r\n`;
}

/** One JSON line of `row`, dates as ISO 8601, empty attributes left out. */
export function jsonLine(row: Readonly<Record<string, Cell>>): string {
  const kept = Object.entries(row).filter(([, v]) => v !== null && v !== undefined);
  return `${JSON.stringify(Object.fromEntries(kept.map(([k, v]) => [k, jsonCell(v)])))}\n`;
}

/** A plain table for a terminal: a header line, then one line per row, columns two spaces apart. */
export function reportText(report: Report): string[] {
  const cells = [report.columns.map(String), ...report.rows.map((row) => report.columns.map((c) => textCell(row[c])))];
  const widths = report.columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length)));
  const lines = cells.map((line) =>
    line
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  if (report.rows.length === 0) lines.push('(no rows)');
  if (report.truncated) lines.push(`(first ${report.rows.length} rows)`);
  return lines;
}

function textCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  return value instanceof Date ? value.toISOString() : String(value);
}

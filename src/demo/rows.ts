import { HR_COLUMNS } from './columns.ts';
import { makeContext, type Context } from './context.ts';
import type { DemoOptions } from './options.ts';
import { hrFields } from './person-rows.ts';
import { peopleInExtract } from './walk.ts';

/** Pairs fields with their column names, in column order. */
export function toRecord(columns: readonly string[], fields: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i < columns.length; i++) record[columns[i] as string] = fields[i] ?? '';
  return record;
}

function* records(context: Context): Generator<Record<string, string>> {
  for (const person of peopleInExtract(context)) {
    yield toRecord(HR_COLUMNS, hrFields(context, person.index, person.state));
  }
}

/**
 * The HR rows of one day, streamed: nothing but the current person is held in memory.
 * The options are checked when this is called, not at the first `next()`.
 */
export function hrRows(options: DemoOptions): Generator<Record<string, string>> {
  return records(makeContext(options));
}

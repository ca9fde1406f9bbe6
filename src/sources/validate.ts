import type { ErrorDetail } from '../core/errors.ts';
import { emailProblem, nameProblem, unsafeTextProblem } from '../core/identity/text-checks.ts';
import type { FieldDescriptor, SourceFormat } from './fields.ts';

/** A checked, normalised record: trimmed values, empty columns as '' (a snapshot clears them). */
export interface SourceRecord {
  readonly key: string;
  readonly line: number;
  readonly values: Readonly<Record<string, string>>;
}

export interface RowContext {
  readonly file: string;
  readonly line: number;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
const AGENCY = /^[0-9A-Z]{4}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const BOOLEANS: Readonly<Record<string, string>> = { true: 'true', false: 'false', y: 'true', n: 'false', yes: 'true', no: 'false', '1': 'true', '0': 'false' };

/** Checks one row against its format. Absent fields (events) stay absent; present empty fields stay ''. */
export function validateRow(format: SourceFormat, raw: Readonly<Record<string, string>>, ctx: RowContext): { record?: SourceRecord; errors: ErrorDetail[] } {
  const errors: ErrorDetail[] = [];
  const values: Record<string, string> = {};
  for (const field of format.fields) {
    const given = raw[field.name];
    if (given === undefined) {
      if (field.required) errors.push(detail(ctx, field.name, 'is required'));
      continue;
    }
    const result = checkField(field, given.trim());
    if (typeof result === 'string') values[field.name] = result;
    else errors.push(detail(ctx, field.name, result.problem, given));
  }
  if (errors.length > 0) return { errors };
  const key = format.keyFields.map((k) => values[k] ?? '').join('|');
  return { record: { key, line: ctx.line, values }, errors };
}

function checkField(field: FieldDescriptor, value: string): string | { problem: string } {
  if (value === '') return field.required ? { problem: 'is required but empty' } : '';
  if (value.length > field.maxLength) return { problem: `is ${value.length} characters long; at most ${field.maxLength} allowed` };
  if (value.includes('\uFFFD')) return { problem: 'is not valid UTF-8 (replacement character found)' };
  const unsafe = unsafeTextProblem(value);
  if (unsafe) return { problem: unsafe };
  return CHECKS[field.type](value, field);
}

const CHECKS: Readonly<Record<FieldDescriptor['type'], (value: string, field: FieldDescriptor) => string | { problem: string }>> = {
  key: (v) => (KEY.test(v) ? v : { problem: 'must be letters, digits, and . _ @ - only' }),
  string: (v) => v,
  name: (v) => {
    const problem = nameProblem(v);
    return problem ? { problem } : v;
  },
  email: (v) => {
    const problem = emailProblem(v);
    return problem ? { problem } : v.toLowerCase();
  },
  agency_code: (v) => (AGENCY.test(v) ? v : { problem: 'must be a 4-character SP 800-87 agency code' }),
  date: checkDate,
  enum: (v, field) => {
    const lower = v.toLowerCase();
    return field.values?.includes(lower) ? lower : { problem: `unknown value '${v}'; expected one of ${field.values?.join(', ')}` };
  },
  list: (v) =>
    v
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean)
      .join(';'),
  boolean: (v) => BOOLEANS[v.toLowerCase()] ?? { problem: 'must be true or false' },
};

function checkDate(value: string): string | { problem: string } {
  const m = DATE.exec(value);
  if (!m) return { problem: 'must be a date as YYYY-MM-DD' };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return { problem: `is not a calendar date` };
  if (y < 1900 || y > 2199) return { problem: 'is out of range (years 1900 to 2199)' };
  return value;
}

function detail(ctx: RowContext, field: string, message: string, value?: string): ErrorDetail {
  const shown = value === undefined ? {} : { value: value.length > 80 ? `${value.slice(0, 80)}…` : value };
  return { file: ctx.file, line: ctx.line, field, message: `${field} ${message}`, ...shown };
}

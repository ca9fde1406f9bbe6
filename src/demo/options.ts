import { MusterError } from '../core/errors.ts';
import { parseDay } from './dates.ts';

/** Daily probabilities of each change, and the shares of the day-0 snapshot not active. */
export interface DemoRates {
  /** An active person leaves (becomes terminated). */
  readonly leaver: number;
  /** An active person changes department, job title or location. */
  readonly mover: number;
  /** An active person goes on leave. */
  readonly leave: number;
  /** A person on leave comes back. */
  readonly return: number;
  /** A terminated person still in the extract is rehired under the same employee_id. */
  readonly rehire: number;
  /** New persons per day, as a share of the population. */
  readonly joiner: number;
  /** Share of day-0 persons on leave. */
  readonly initialLeave: number;
  /** Share of day-0 persons who left in the retention window before day 0. */
  readonly initialTerminated: number;
}

export interface DemoOptions {
  seed: number;
  people: number;
  day?: number;
  agencyCode?: string;
  domain?: string;
  /** Share of rows that change per day (default 0.02); scales every default daily rate. */
  changeRate?: number;
  /** YYYY-MM-DD of day 0, default '2026-01-05'. */
  startDate?: string;
  /** Affiliation every person carries, default 'Demo Agency'. */
  agencyName?: string;
  /** Days a terminated person stays in the HR extract, default 30. */
  retentionDays?: number;
  /** Explicit daily rates; each one given here is used as is, not scaled by changeRate. */
  rates?: Partial<DemoRates>;
}

export interface ResolvedOptions {
  readonly seed: number;
  readonly people: number;
  readonly day: number;
  readonly agencyCode: string;
  readonly domain: string;
  readonly changeRate: number;
  readonly startDate: string;
  readonly agencyName: string;
  readonly retentionDays: number;
  readonly rates: DemoRates;
}

/** The defaults add up to about 2% of rows changing per day. */
export const DEFAULT_CHANGE_RATE = 0.02;
export const DEFAULT_RATES: DemoRates = Object.freeze({
  leaver: 0.005,
  mover: 0.01,
  leave: 0.002,
  return: 0.3,
  rehire: 0.02,
  joiner: 0.003,
  initialLeave: 0.007,
  initialTerminated: 0.02,
});
const SCALED: readonly (keyof DemoRates)[] = ['leaver', 'mover', 'leave', 'return', 'rehire', 'joiner'];
export const MAX_EMPLOYEE_INDEX = 9_999_999;

function invalid(field: string, message: string, value: unknown): MusterError {
  return new MusterError('MUSTER_ERR_VALIDATION', `demo option ${field} ${message}`, [{ message, field, value: String(value) }]);
}

function check(ok: boolean, field: string, message: string, value: unknown): void {
  if (!ok) throw invalid(field, message, value);
}

function resolveRates(changeRate: number, explicit: Partial<DemoRates> = {}): DemoRates {
  const factor = changeRate / DEFAULT_CHANGE_RATE;
  const rates: Record<string, number> = { ...DEFAULT_RATES };
  for (const key of SCALED) rates[key] = Math.min(1, DEFAULT_RATES[key] * factor);
  for (const [key, value] of Object.entries(explicit)) {
    check(key in DEFAULT_RATES, `rates.${key}`, 'is not a known rate', key);
    check(typeof value === 'number' && value >= 0 && value <= 1, `rates.${key}`, 'must be between 0 and 1', value);
    rates[key] = value;
  }
  const active = (rates.leaver ?? 0) + (rates.mover ?? 0) + (rates.leave ?? 0);
  check(active <= 1, 'rates', 'leaver + mover + leave must not exceed 1', active);
  return rates as unknown as DemoRates;
}

function withDefaults(options: DemoOptions): Omit<ResolvedOptions, 'rates'> {
  return {
    seed: options.seed,
    people: options.people,
    day: options.day ?? 0,
    agencyCode: options.agencyCode ?? '9700',
    domain: options.domain ?? 'demo.gov',
    changeRate: options.changeRate ?? DEFAULT_CHANGE_RATE,
    startDate: options.startDate ?? '2026-01-05',
    agencyName: options.agencyName ?? 'Demo Agency',
    retentionDays: options.retentionDays ?? 30,
  };
}

const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

function checkScalars(o: Omit<ResolvedOptions, 'rates'>): void {
  check(Number.isSafeInteger(o.seed), 'seed', 'must be a safe integer', o.seed);
  check(Number.isInteger(o.people) && o.people >= 1 && o.people <= MAX_EMPLOYEE_INDEX, 'people', `must be an integer from 1 to ${MAX_EMPLOYEE_INDEX}`, o.people);
  check(Number.isInteger(o.day) && o.day >= 0 && o.day <= 3650, 'day', 'must be an integer from 0 to 3650', o.day);
  check(Number.isFinite(o.changeRate) && o.changeRate >= 0, 'changeRate', 'must be a number of at least 0', o.changeRate);
  check(typeof o.startDate === 'string' && parseDay(o.startDate) !== undefined, 'startDate', 'must be a YYYY-MM-DD date', o.startDate);
  check(/^[0-9A-Z]{4}$/.test(o.agencyCode), 'agencyCode', 'must be 4 characters 0-9 or A-Z', o.agencyCode);
  check(DOMAIN.test(o.domain), 'domain', 'must be a lower-case DNS name', o.domain);
  check(Number.isInteger(o.retentionDays) && o.retentionDays >= 1, 'retentionDays', 'must be a positive integer', o.retentionDays);
  check(o.agencyName.length > 0 && !/[;\r\n]/.test(o.agencyName), 'agencyName', 'must be non-empty, without ";" or line breaks', o.agencyName);
}

/** Fills in defaults and refuses anything the generator cannot honour. */
export function resolveOptions(options: DemoOptions): ResolvedOptions {
  const resolved = withDefaults(options);
  checkScalars(resolved);
  return { ...resolved, rates: resolveRates(resolved.changeRate, options.rates) };
}

import { MusterError } from '../core/errors.ts';
import { parseDay } from './dates.ts';
import { MAX_EMPLOYEE_INDEX, resolveOptions, type DemoOptions, type ResolvedOptions } from './options.ts';
import { normaliseSeed, SALT, unit } from './prng.ts';

/** The resolved options plus what the hot loops need precomputed. */
export interface Context {
  readonly options: ResolvedOptions;
  /** The seed folded to 32 bits. */
  readonly key: number;
  /** Day number (days since 1970-01-01) of day 0. */
  readonly startDay: number;
  /** sizes[d]: how many person indices exist on day d (day-0 people plus joiners so far). */
  readonly sizes: readonly number[];
}

/** How many persons join on day d, given the size the day before; the fraction is a seeded draw. */
function joinersOn(key: number, rate: number, before: number, day: number): number {
  const expected = before * rate;
  const whole = Math.floor(expected);
  return whole + (unit(key, day, 0, SALT.joinCount) < expected - whole ? 1 : 0);
}

function populationSizes(key: number, options: ResolvedOptions): number[] {
  const sizes = [options.people];
  for (let day = 1; day <= options.day; day++) {
    const before = sizes[day - 1] as number;
    sizes.push(before + joinersOn(key, options.rates.joiner, before, day));
  }
  const last = sizes[options.day] as number;
  if (last > MAX_EMPLOYEE_INDEX + 1) {
    throw new MusterError('MUSTER_ERR_VALIDATION', 'demo population would outgrow 7-digit employee ids', [
      { message: `${last} persons by day ${options.day}`, field: 'people', value: String(options.people) },
    ]);
  }
  return sizes;
}

export function makeContext(options: DemoOptions): Context {
  const resolved = resolveOptions(options);
  const key = normaliseSeed(resolved.seed);
  return { options: resolved, key, startDay: parseDay(resolved.startDate) as number, sizes: populationSizes(key, resolved) };
}

/** The day person i first appears: 0 for the initial people, else the day the population passed i. */
export function joinDay(context: Context, index: number): number {
  const { sizes } = context;
  if (index < (sizes[0] as number)) return 0;
  let low = 1;
  let high = sizes.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sizes[mid] as number) > index) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Person indices that exist on the context's day. */
export function populationOnDay(context: Context): number {
  return context.sizes[context.options.day] as number;
}

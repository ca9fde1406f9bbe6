import type { Context } from './context.ts';
import { formatDay } from './dates.ts';
import { personOnDay } from './lifecycle.ts';
import { COMPONENTS, DEPARTMENTS, NPE_FUNCTIONS, NPE_KINDS, NPE_PREFIX, NPE_SYSTEMS } from './names.ts';
import { weightedDept } from './org.ts';
import { employeeId } from './person-rows.ts';
import { hash32, pick, SALT, unit } from './prng.ts';

/** Non-person entities: about one per 50 people, each sponsored by a person active that day. */
const PEOPLE_PER_NPE = 50;
const SPONSOR_TRIES = 64;
const KIND_CUTS = [0.45, 0.65, 0.8];

export function npeCount(people: number): number {
  return Math.max(1, Math.round(people / PEOPLE_PER_NPE));
}

function kindFor(u: number): (typeof NPE_KINDS)[number] {
  const at = KIND_CUTS.findIndex((cut) => u < cut);
  return NPE_KINDS[at < 0 ? NPE_KINDS.length - 1 : at] as (typeof NPE_KINDS)[number];
}

/** The first of a fixed sequence of candidates who is active on `day`; it changes only when they are not. */
function sponsor(context: Context, npe: number, day: number): string {
  const { key, options } = context;
  for (let attempt = 0; attempt < SPONSOR_TRIES; attempt++) {
    const candidate = Math.floor(unit(key, npe, attempt, SALT.npeSponsor) * options.people);
    if (personOnDay(context, candidate, day)?.state.status === 'active') return employeeId(candidate);
  }
  return '';
}

/** One NPE row in NPE_COLUMNS order. */
export function npeFields(context: Context, npe: number, day: number): string[] {
  const { key, options, startDay } = context;
  const kind = kindFor(unit(key, npe, 0, SALT.npeKind));
  const name = [NPE_PREFIX[kind], pick(NPE_SYSTEMS, unit(key, npe, 0, SALT.npeSystem)), pick(NPE_FUNCTIONS, unit(key, npe, 0, SALT.npeFunction)), String(npe)].join('-');
  const expires = -60 + Math.floor(unit(key, npe, 0, SALT.npeExpires) * 500);
  const dept = DEPARTMENTS[weightedDept(hash32(key, npe, 0, SALT.npeDept))];
  return [
    `N${String(npe).padStart(6, '0')}`,
    kind,
    name,
    sponsor(context, npe, day),
    formatDay(startDay + expires),
    dept?.name ?? '',
    COMPONENTS[dept?.component ?? 0] as string,
    options.agencyCode,
    'active',
  ];
}

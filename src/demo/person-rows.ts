import type { Context } from './context.ts';
import { formatDay } from './dates.ts';
import type { PersonState } from './lifecycle.ts';
import { COMPONENTS, CONTRACTOR_COMPANIES, DEPARTMENTS, FAMILY_NAMES, GIVEN_NAMES, LEAVE_TYPES, LOCATIONS, OTHER_AFFILIATIONS } from './names.ts';
import { isSupervisor, titlesFor, SPAN } from './org.ts';
import { pick, SALT, unit } from './prng.ts';

/** ASCII, lower-case mail local parts for each name (accents folded, other marks dropped). */
function slug(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
const GIVEN_SLUGS = GIVEN_NAMES.map(slug);
const FAMILY_SLUGS = FAMILY_NAMES.map(slug);

export function employeeId(index: number): string {
  return `E${String(index).padStart(7, '0')}`;
}

/** Supervisors (1 in SPAN) are government; the rest are drawn so about 80% overall are. */
const GOVERNMENT_SHARE = (0.8 * SPAN - 1) / (SPAN - 1);

function userType(key: number, index: number): number {
  if (isSupervisor(index)) return 0;
  const u = unit(key, index, 0, SALT.userType);
  return u < GOVERNMENT_SHARE ? 0 : u < 0.98 ? 1 : 2;
}

const USER_TYPES = ['government', 'contractor', 'other'] as const;

function affiliations(context: Context, index: number, type: number): string {
  const { key, options } = context;
  if (type === 0) return options.agencyName;
  const list = type === 1 ? CONTRACTOR_COMPANIES : OTHER_AFFILIATIONS;
  return `${options.agencyName};${pick(list, unit(key, index, 0, type === 1 ? SALT.company : SALT.otherAffiliation))}`;
}

/** One HR row in HR_COLUMNS order. */
export function hrFields(context: Context, index: number, state: PersonState): string[] {
  const { key, options, startDay } = context;
  const g = Math.floor(unit(key, index, 0, SALT.given) * GIVEN_NAMES.length);
  const f = Math.floor(unit(key, index, 0, SALT.family) * FAMILY_NAMES.length);
  const given = GIVEN_NAMES[g] as string;
  const family = FAMILY_NAMES[f] as string;
  const department = DEPARTMENTS[state.dept];
  const type = userType(key, index);
  return [
    employeeId(index),
    given,
    family,
    `${given} ${family}`,
    `${GIVEN_SLUGS[g]}.${FAMILY_SLUGS[f]}.${index}@${options.domain}`,
    titlesFor(index)[state.title] as string,
    department?.name ?? '',
    COMPONENTS[department?.component ?? 0] as string,
    LOCATIONS[state.location] as string,
    state.manager < 0 ? '' : employeeId(state.manager),
    USER_TYPES[type] as string,
    options.agencyCode,
    affiliations(context, index, type),
    state.status,
    state.leaveType < 0 ? '' : (LEAVE_TYPES[state.leaveType] as string),
    formatDay(startDay + state.hireDay),
  ];
}

import { DEPARTMENTS, HEAD_TITLES, STAFF_TITLES, SUPERVISOR_TITLES } from './names.ts';
import { hash32, SALT } from './prng.ts';

/**
 * The org chart without a walk over earlier persons. Person d < HEADS heads department d.
 * Supervisors are the heads plus every SPAN-th index; they never change department, so a
 * supervisor's department is a pure function of its index. Everyone else reports to a
 * supervisor of their own department with a lower index, found by stepping down from a random
 * supervisor; the department head (the lowest index in it) always ends the walk.
 */
export const HEADS = DEPARTMENTS.length;
export const SPAN = 7;
const FIRST_MULTIPLE = Math.ceil(HEADS / SPAN) * SPAN;
const TABLE_BITS = 12;
const DEPT_TABLE = buildDeptTable();

/** 2^12 slots shared out by department weight (largest remainder), for a one-lookup weighted draw. */
function buildDeptTable(): Uint8Array {
  const slots = 1 << TABLE_BITS;
  const total = DEPARTMENTS.reduce((sum, d) => sum + d.weight, 0);
  const exact = DEPARTMENTS.map((d) => (d.weight / total) * slots);
  const counts = exact.map(Math.floor);
  const order = exact.map((x, i) => ({ i, rest: x - Math.floor(x) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  let missing = slots - counts.reduce((a, b) => a + b, 0);
  for (const { i } of order) {
    if (missing-- <= 0) break;
    counts[i] = (counts[i] as number) + 1;
  }
  const table = new Uint8Array(slots);
  let at = 0;
  counts.forEach((count, dept) => table.fill(dept, at, (at += count)));
  return table;
}

export function isSupervisor(index: number): boolean {
  return index < HEADS || index % SPAN === 0;
}

/** The department a person starts in (and, for supervisors, stays in). */
export function baseDept(key: number, index: number): number {
  if (index < HEADS) return index;
  return weightedDept(hash32(key, index, 0, SALT.dept));
}

function supervisorsBelow(index: number): number {
  return HEADS + (index > FIRST_MULTIPLE ? Math.ceil((index - FIRST_MULTIPLE) / SPAN) : 0);
}

/** A supervisor of `dept` with an index below `index` (which must be at least HEADS); r in [0, 1). */
export function findManager(key: number, index: number, dept: number, r: number): number {
  let rank = Math.floor(r * supervisorsBelow(index));
  while (rank >= HEADS) {
    const candidate = FIRST_MULTIPLE + (rank - HEADS) * SPAN;
    if (baseDept(key, candidate) === dept) return candidate;
    rank--;
  }
  return dept;
}

/** The job titles a person draws from: heads, supervisors, staff. */
export function titlesFor(index: number): readonly string[] {
  if (index < HEADS) return HEAD_TITLES;
  return isSupervisor(index) ? SUPERVISOR_TITLES : STAFF_TITLES;
}

/** A department drawn by weight from a 32-bit hash. */
export function weightedDept(hash: number): number {
  return DEPT_TABLE[hash >>> (32 - TABLE_BITS)] as number;
}

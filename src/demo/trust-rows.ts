import type { Context } from './context.ts';
import { formatDay } from './dates.ts';
import type { PersonState } from './lifecycle.ts';
import { COURSES } from './names.ts';
import { SALT, unit } from './prng.ts';

/**
 * Vetting (TRUST) and training (BEHAVE) records. Every date is fixed relative to day 0 or the
 * hire date, and statuses are read against the snapshot day, so records age as days pass.
 */
const RECENT_HIRE_DAYS = 90;
const REINVESTIGATION_DAYS = 5 * 365;
const TIERS = ['Tier 1', 'Tier 2', 'Tier 4', 'Tier 5'] as const;
const TIER_CUTS = [0.15, 0.45, 0.8];

function eligibility(key: number, index: number, recent: boolean): string {
  const e = unit(key, index, 0, SALT.vetEligibility);
  if (recent) return e < 0.45 ? 'interim' : e < 0.8 ? 'pending' : 'favorable';
  return e < 0.9 ? 'favorable' : e < 0.95 ? 'interim' : e < 0.99 ? 'pending' : 'unfavorable';
}

function tierFor(t: number): string {
  const at = TIER_CUTS.findIndex((cut) => t < cut);
  return TIERS[at < 0 ? TIERS.length - 1 : at] as string;
}

function adjudicationDay(key: number, index: number, hireDay: number): number {
  const initial = hireDay - 14 - Math.floor(unit(key, index, 0, SALT.vetDate) * 60);
  if (-initial <= 2500) return initial;
  return -1 - Math.floor(unit(key, index, 0, SALT.vetRenewal) * 2500);
}

/** One vetting row in VETTING_COLUMNS order, for a person who is not terminated. */
export function vettingFields(context: Context, id: string, index: number, state: PersonState, day: number): string[] {
  const { key, startDay } = context;
  const verdict = eligibility(key, index, day - state.hireDay < RECENT_HIRE_DAYS);
  const tier = tierFor(unit(key, index, 0, SALT.vetTier));
  if (verdict === 'pending') return [id, verdict, 'in_progress', tier, '', 'false'];
  const adjudicated = adjudicationDay(key, index, state.hireDay);
  const continuous = verdict === 'favorable' && unit(key, index, 0, SALT.vetContinuous) < 0.7;
  let status = 'current';
  if (verdict === 'interim') status = 'in_progress';
  else if (verdict === 'favorable' && !continuous && day - adjudicated > REINVESTIGATION_DAYS) status = 'expired';
  return [id, verdict, status, tier, formatDay(startDay + adjudicated), String(continuous)];
}

function courseFields(context: Context, id: string, index: number, state: PersonState, day: number, course: number): string[] {
  const { key, startDay } = context;
  const name = COURSES[course] as string;
  if (unit(key, index, course, SALT.courseNever) < 0.08) {
    return [id, name, day - state.hireDay > 30 ? 'overdue' : 'incomplete', '', ''];
  }
  const r = unit(key, index, course, SALT.courseDate);
  const afterHire = state.hireDay + Math.floor(r * 30);
  const completed = state.hireDay >= 0 ? afterHire : Math.max(afterHire, -1 - Math.floor(r * 400));
  if (completed > day) return [id, name, 'incomplete', '', ''];
  const expires = completed + 365;
  return [id, name, expires < day ? 'overdue' : 'complete', formatDay(startDay + completed), formatDay(startDay + expires)];
}

/** One to three training rows in TRAINING_COLUMNS order, for a person who is not terminated. */
export function trainingRows(context: Context, id: string, index: number, state: PersonState, day: number): string[][] {
  const { key } = context;
  const count = 1 + Math.floor(unit(key, index, 0, SALT.courseCount) * 3);
  const first = Math.floor(unit(key, index, 0, SALT.courseFirst) * COURSES.length);
  const rows: string[][] = [];
  for (let k = 0; k < count; k++) rows.push(courseFields(context, id, index, state, day, (first + k) % COURSES.length));
  return rows;
}

import { joinDay, type Context } from './context.ts';
import { DEPARTMENTS, LEAVE_TYPES, LOCATIONS } from './names.ts';
import { baseDept, findManager, HEADS, isSupervisor, titlesFor } from './org.ts';
import { SALT, unit } from './prng.ts';

export type PersonStatus = 'active' | 'leave' | 'terminated';
export type ChangeKind = 'joiner' | 'mover' | 'leaver' | 'leave' | 'return' | 'rehire';

/** What can change about a person. Days are offsets from day 0 (negative = before the snapshot). */
export interface PersonState {
  status: PersonStatus;
  /** Day of the last status change. */
  since: number;
  /** Index into LEAVE_TYPES, or -1. */
  leaveType: number;
  dept: number;
  /** Index into titlesFor(index). */
  title: number;
  location: number;
  /** Employee index of the manager, or -1 for a department head. */
  manager: number;
  hireDay: number;
}

export interface PersonOnDay {
  readonly index: number;
  readonly state: PersonState;
  /** The change that happened on the requested day, if any. */
  readonly change: ChangeKind | null;
}

function otherIndex(current: number, size: number, r: number): number {
  return (current + 1 + Math.floor(r * (size - 1))) % size;
}

/** A person as they are on the day they appear: day 0 for the initial people, else their join day. */
function firstState(context: Context, index: number, day: number): PersonState {
  const { key } = context;
  const dept = baseDept(key, index);
  const manager = index < HEADS ? -1 : findManager(key, index, dept, unit(key, index, 0, SALT.manager));
  const title = index < HEADS ? 0 : Math.floor(unit(key, index, 0, SALT.title) * titlesFor(index).length);
  const l = unit(key, index, 0, SALT.location);
  const location = l < 0.25 ? 0 : Math.floor(((l - 0.25) / 0.75) * LOCATIONS.length);
  const state: PersonState = { status: 'active', since: day, leaveType: -1, dept, title, location, manager, hireDay: day };
  if (day === 0) startBeforeSnapshot(context, index, state);
  return state;
}

/** Day-0 persons: a hire date in the past, and a few already on leave or recently separated. */
function startBeforeSnapshot(context: Context, index: number, state: PersonState): void {
  const { key, options } = context;
  const h = unit(key, index, 0, SALT.hire);
  state.hireDay = index < HEADS ? -3650 - Math.floor(h * 5000) : -14 - Math.floor(h * h * 12_000);
  if (index < HEADS) return;
  const { initialTerminated, initialLeave } = options.rates;
  const u = unit(key, index, 0, SALT.initial);
  const v = unit(key, index, 0, SALT.initialSince);
  if (u < initialTerminated) {
    state.status = 'terminated';
    state.since = -Math.floor(v * options.retentionDays);
  } else if (u < initialTerminated + initialLeave) {
    state.status = 'leave';
    state.since = -Math.floor(v * 90);
    state.leaveType = Math.floor(unit(key, index, 0, SALT.leaveType) * LEAVE_TYPES.length);
  } else {
    state.since = state.hireDay;
  }
  state.hireDay = Math.min(state.hireDay, state.since - 30);
  if (state.status === 'active') state.since = state.hireDay;
}

function move(context: Context, index: number, state: PersonState, day: number): void {
  const { key } = context;
  const v = unit(key, index, day, SALT.moveKind);
  const titles = titlesFor(index).length;
  if (v < 0.4 && !isSupervisor(index)) {
    state.dept = otherIndex(state.dept, DEPARTMENTS.length, unit(key, index, day, SALT.moveDept));
    state.manager = findManager(key, index, state.dept, unit(key, index, day, SALT.moveManager));
    if (v < 0.2) state.title = otherIndex(state.title, titles, unit(key, index, day, SALT.moveTitle));
    return;
  }
  if (v < 0.9) state.title = otherIndex(state.title, titles, unit(key, index, day, SALT.moveTitle));
  if (v >= 0.7) state.location = otherIndex(state.location, LOCATIONS.length, unit(key, index, day, SALT.moveLocation));
}

function setStatus(state: PersonState, status: PersonStatus, day: number, leaveType = -1): void {
  state.status = status;
  state.since = day;
  state.leaveType = leaveType;
}

/** At most one change per person per day, drawn from (seed, person, day). */
function step(context: Context, index: number, state: PersonState, day: number): ChangeKind | null {
  const { key, options } = context;
  const { rates } = options;
  const u = unit(key, index, day, SALT.event);
  if (state.status === 'leave') {
    if (u >= rates.return) return null;
    setStatus(state, 'active', day);
    return 'return';
  }
  if (state.status === 'terminated') {
    if (day - state.since > options.retentionDays || u >= rates.rehire) return null;
    setStatus(state, 'active', day);
    state.hireDay = day;
    return 'rehire';
  }
  if (u < rates.leaver) {
    setStatus(state, 'terminated', day);
    return 'leaver';
  }
  if (u < rates.leaver + rates.mover) {
    move(context, index, state, day);
    return 'mover';
  }
  if (u >= rates.leaver + rates.mover + rates.leave) return null;
  setStatus(state, 'leave', day, Math.floor(unit(key, index, day, SALT.leaveType) * LEAVE_TYPES.length));
  return 'leave';
}

/** Person `index` on `day`, by replaying that person's days only; undefined before they join. */
export function personOnDay(context: Context, index: number, day: number): PersonOnDay | undefined {
  const first = joinDay(context, index);
  if (first > day) return undefined;
  const state = firstState(context, index, first);
  let change: ChangeKind | null = first === day && first > 0 ? 'joiner' : null;
  const { retentionDays } = context.options;
  for (let d = first + 1; d <= day; d++) {
    if (state.status === 'terminated' && d - state.since > retentionDays) break;
    const happened = step(context, index, state, d);
    if (d === day) change = happened;
  }
  return { index, state, change };
}

/** A real HR full extract keeps a separated person for retentionDays, then drops them. */
export function inExtract(context: Context, state: PersonState, day: number): boolean {
  return state.status !== 'terminated' || day - state.since < context.options.retentionDays;
}

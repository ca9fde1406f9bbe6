import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';
import { USER_TYPE } from './credential-kinds.ts';

/** How long a favorable adjudication lasts without continuous vetting before reinvestigation is due (Tier 5 and Tier 3 reinvestigation periods). */
export const REINVESTIGATION_YEARS = 5;

export interface LapseRow {
  readonly identity_id: string;
  readonly user_type: string;
  readonly full_name: string | null;
  /** `training` (BEHAVE) or `vetting` (TRUST) */
  readonly area: string;
  /** the course, or the investigation type */
  readonly item: string | null;
  /** `lapsed` or `expiring` */
  readonly state: string;
  /** the record's status as its source sent it */
  readonly status: string;
  /** when it lapsed or lapses (YYYY-MM-DD), when known */
  readonly due: string | null;
}

export interface LapseWindow {
  /** today, YYYY-MM-DD, from the clock */
  readonly today: string;
  /** the last day of the window, YYYY-MM-DD */
  readonly until: string;
}

const CURRENT_PEOPLE = ['terminated', 'archived'];

/** Training records lapsed (status `overdue`, or expired before today) or expiring by `until`, of identities not terminated. */
export function trainingLapses({ db }: Queryable, window: LapseWindow, limit: number): Promise<LapseRow[]> {
  const today = sql`${window.today}::date`;
  const lapsed = sql<boolean>`(b.status = 'overdue' or b.expires < ${today})`;
  return db
    .selectFrom('behave as b')
    .innerJoin('identities as i', 'i.id', 'b.identity_id')
    .where('i.status', 'not in', CURRENT_PEOPLE)
    .where(sql<boolean>`(${lapsed} or b.expires <= ${window.until}::date)`)
    .select([
      'i.id as identity_id',
      USER_TYPE.as('user_type'),
      sql<string | null>`i.attributes->'full_name'->>'v'`.as('full_name'),
      sql<string>`'training'`.as('area'),
      'b.course as item',
      sql<string>`case when ${lapsed} then 'lapsed' else 'expiring' end`.as('state'),
      'b.status',
      sql<string | null>`to_char(b.expires, 'YYYY-MM-DD')`.as('due'),
    ])
    .orderBy('i.id')
    .orderBy('b.course')
    .limit(limit)
    .execute();
}

/**
 * Vetting records lapsed (investigation `expired` or `revoked`, eligibility `unfavorable` or `none`, or a favorable
 * adjudication older than the reinvestigation period without continuous vetting) or whose reinvestigation falls due
 * by `until`, of identities not terminated.
 */
export function vettingLapses({ db }: Queryable, window: LapseWindow, limit: number): Promise<LapseRow[]> {
  const dueOn = sql`(t.adjudication_date + make_interval(years => ${REINVESTIGATION_YEARS}))::date`;
  const periodic = sql<boolean>`(not t.continuous_vetting and t.adjudication_date is not null)`;
  const lapsed = sql<boolean>`(t.status in ('expired', 'revoked') or t.eligibility in ('unfavorable', 'none') or (${periodic} and ${dueOn} < ${window.today}::date))`;
  return db
    .selectFrom('trust as t')
    .innerJoin('identities as i', 'i.id', 't.identity_id')
    .where('i.status', 'not in', CURRENT_PEOPLE)
    .where(sql<boolean>`(${lapsed} or (${periodic} and ${dueOn} <= ${window.until}::date))`)
    .select([
      'i.id as identity_id',
      USER_TYPE.as('user_type'),
      sql<string | null>`i.attributes->'full_name'->>'v'`.as('full_name'),
      sql<string>`'vetting'`.as('area'),
      't.investigation_type as item',
      sql<string>`case when ${lapsed} then 'lapsed' else 'expiring' end`.as('state'),
      't.status',
      sql<string | null>`case when ${periodic} then to_char(${dueOn}, 'YYYY-MM-DD') end`.as('due'),
    ])
    .orderBy('i.id')
    .limit(limit)
    .execute();
}

import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';

/** The lifecycle events counted as joiners, movers and leavers. */
export const JML_EVENTS = { joiners: 'identity.joiner', movers: 'identity.mover', leavers: 'identity.leaver' } as const;

export interface JmlDay {
  /** YYYY-MM-DD (UTC) */
  readonly day: string;
  readonly joiners: number;
  readonly movers: number;
  readonly leavers: number;
}

const count = (type: string) => sql<number>`(count(*) filter (where type = ${type}))::int`;

/** Joiners, movers and leavers per UTC day from `since` on, oldest first; days without any are left out. One query. */
export async function joinersMoversLeaversPerDay({ db }: Queryable, since: Date): Promise<JmlDay[]> {
  const dayOf = sql<string>`to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD')`;
  const rows = await db
    .selectFrom('events')
    .where('occurred_at', '>=', since)
    .where('type', 'in', Object.values(JML_EVENTS))
    .select([dayOf.as('day'), count(JML_EVENTS.joiners).as('joiners'), count(JML_EVENTS.movers).as('movers'), count(JML_EVENTS.leavers).as('leavers')])
    .groupBy(dayOf)
    .orderBy(dayOf)
    .execute();
  return rows.map((r) => ({ day: r.day, joiners: Number(r.joiners), movers: Number(r.movers), leavers: Number(r.leavers) }));
}

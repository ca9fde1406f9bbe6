import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';

export interface OrphanCountRow {
  readonly target: string;
  readonly run_id: string;
  readonly run_at: Date;
  readonly orphans: number;
  readonly privileged_orphans: number;
  readonly enabled_orphans: number;
}

/**
 * Per target, the orphan findings (situation `unmatched`: accounts no identity owns) of its latest finished reconciliation run, with how
 * many of them are privileged and how many are still enabled in the target. One query.
 */
export function orphansByTarget({ db }: Queryable): Promise<OrphanCountRow[]> {
  return db
    .with('latest', (q) =>
      q
        .selectFrom('reconciliation_runs')
        .distinctOn('target')
        .select(['id', 'target', 'started_at'])
        .where('status', '=', 'done')
        .orderBy('target')
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc'),
    )
    .selectFrom('latest as l')
    .leftJoin('reconciliation_findings as f', (join) => join.onRef('f.run_id', '=', 'l.id').on('f.situation', '=', 'unmatched'))
    .select([
      'l.target',
      'l.id as run_id',
      'l.started_at as run_at',
      sql<number>`count(f.run_id)::int`.as('orphans'),
      sql<number>`(count(f.run_id) filter (where f.privileged))::int`.as('privileged_orphans'),
      sql<number>`(count(f.run_id) filter (where f.enabled))::int`.as('enabled_orphans'),
    ])
    .groupBy(['l.target', 'l.id', 'l.started_at'])
    .orderBy('l.target')
    .execute();
}

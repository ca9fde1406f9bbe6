import { sql } from 'kysely';
import type { Queryable, Store } from '../store/store.ts';

/** Tables an import grows and then looks rows up in by their columns: the MUR and its links to sources. */
const GROWN = ['identities', 'source_links'] as const;
const FEWEST_ROWS = 1000;
/** As autovacuum's default `autovacuum_analyze_scale_factor`: a tenth of the rows counted at the last ANALYZE. */
const SHARE = 0.1;
const STATISTICS_TARGET = 20;

/** The rows PostgreSQL counted in `table` at its last ANALYZE or VACUUM; -1 when it never counted them. */
async function countedRows({ db }: Queryable, table: string): Promise<number> {
  const { rows } = await sql<{ reltuples: number }>`SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = to_regclass(${table})`.execute(db);
  return rows[0] ? Number(rows[0].reltuples) : -1;
}

/**
 * Refreshes the planner's statistics of the tables an import grew, when it added at least a tenth of what they held
 * at their last ANALYZE (and a thousand rows). A first import takes the MUR from nothing to a million people within
 * minutes, long before autovacuum looks at it; the next import's look-ups by name or skeleton, planned with no
 * statistics, then scan every identity (a re-import of 1,000,000 took three times as long). Returns whether it ran.
 */
export async function refreshGrownStatistics(store: Store, added: number): Promise<boolean> {
  if (added < FEWEST_ROWS) return false;
  const counted = await countedRows(store, 'identities');
  if (counted >= 0 && added < counted * SHARE) return false;
  await store.transaction(async ({ db }) => {
    // a sample of 300 × 20 rows: enough to plan look-ups by key, and little memory for embedded PGlite to grow by;
    // autovacuum later takes its full sample on a server
    await sql`SET LOCAL default_statistics_target = ${sql.lit(STATISTICS_TARGET)}`.execute(db);
    for (const table of GROWN) await sql`ANALYZE ${sql.table(table)}`.execute(db);
  });
  return true;
}

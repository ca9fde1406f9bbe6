import { sql } from 'kysely';
import type { Queryable, Store } from './store.ts';

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
 * Refreshes the planner's statistics of `tables` after a write that added `added` rows to the first of them, when
 * that is at least a thousand rows and a tenth of what it held at its last ANALYZE. A bulk write can take a table
 * from nothing to a million rows within minutes, long before autovacuum looks at it (embedded PGlite runs none), and
 * the next look-ups, planned without statistics, scan every row. Returns whether it ran.
 */
export async function refreshStatisticsWhenGrown(store: Store, tables: readonly [string, ...string[]], added: number): Promise<boolean> {
  if (added < FEWEST_ROWS) return false;
  const counted = await countedRows(store, tables[0]);
  if (counted >= 0 && added < counted * SHARE) return false;
  await store.transaction(async ({ db }) => {
    // a sample of 300 × 20 rows: enough to plan look-ups by key, and little memory for embedded PGlite to grow by;
    // autovacuum later takes its full sample on a server
    await sql`SET LOCAL default_statistics_target = ${sql.lit(STATISTICS_TARGET)}`.execute(db);
    for (const table of tables) await sql`ANALYZE ${sql.table(table)}`.execute(db);
  });
  return true;
}

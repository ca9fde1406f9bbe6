import type { Queryable } from '../../store/store.ts';

/** The high-water mark of the target's last finished run that kept one (full or incremental), or null. */
export async function lastHighWater({ db }: Queryable, target: string): Promise<string | null> {
  const row = await db
    .selectFrom('reconciliation_runs')
    .select('high_water')
    .where('target', '=', target)
    .where('status', '=', 'done')
    .where('high_water', 'is not', null)
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.high_water ?? null;
}

/** Keeps the mark a run took before it listed (the next incremental run reads what changed after it), and how it listed. */
export async function recordHighWater({ db }: Queryable, runId: string, mark: string | null, incremental: boolean): Promise<void> {
  await db.updateTable('reconciliation_runs').set({ high_water: mark, incremental }).where('id', '=', runId).execute();
}

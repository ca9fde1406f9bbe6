import { sql } from 'kysely';
import type { Tx } from '../store/store.ts';

/**
 * Takes the cross-process lock of a periodic task for the rest of the transaction, without waiting: true when this
 * process holds it, false when another process runs the task now. Only meaningful where other sessions exist.
 */
export async function tryTaskLock(tx: Tx, task: string): Promise<boolean> {
  const result = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext('muster.scheduler'), hashtext(${task})) AS locked`.execute(tx.db);
  return result.rows[0]?.locked === true;
}

import type { Queryable } from '../../store/store.ts';

const FIRST = 1000;

/**
 * Keeps the planner's statistics of `accounts` in step with a run that adds many rows. A first run
 * against a large target can grow the table from nothing to a million rows in minutes, long before
 * autovacuum looks at it; with statistics from when it was small, the planner answers each page's
 * lookup by scanning every row of the target. Refreshing them whenever the rows added double costs
 * about twenty samplings for a million.
 */
export class AccountStatistics {
  #added = 0;
  #next = FIRST;

  async added(db: Queryable, rows: number): Promise<void> {
    this.#added += rows;
    if (this.#added < this.#next) return;
    this.#next = this.#added * 2;
    await db.query('ANALYZE accounts (target, account_ref, identity_id, status)');
  }
}

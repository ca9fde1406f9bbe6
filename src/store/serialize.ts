import { kyselyOver } from './kysely.ts';
import type { Queryable, StatementRunner } from './store.ts';

/**
 * One connection, several callers: statements are issued one at a time, in the order they were
 * asked for, so work that overlaps (planning a batch while the last is written) never puts two
 * statements on the connection at once. Its Kysely `db` takes its turn the same way.
 */
export function serialized(db: Queryable): Queryable {
  let last: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(run: () => Promise<T>): Promise<T> => {
    const next = last.then(run, run);
    last = next.catch(() => {});
    return next;
  };
  const run: StatementRunner = (sql, params) => inTurn(() => db.run(sql, params));
  return {
    db: kyselyOver(run),
    run,
    query: (sql, params) => inTurn(() => db.query(sql, params)),
    exec: (sql) => inTurn(() => db.exec(sql)),
    copyRows: (table, columns, rows) => inTurn(() => db.copyRows(table, columns, rows)),
  };
}

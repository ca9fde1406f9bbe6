import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serialized } from './serialize.ts';
import type { Queryable } from './store.ts';

test('statements, Kysely queries among them, run one at a time in the order asked, and a failure does not stop the next', async () => {
  const log: string[] = [];
  let running = 0;
  const slow =
    (name: string, fail = false) =>
    async () => {
      running++;
      assert.equal(running, 1, 'two statements at once');
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return [];
    };
  const db = {
    query: (sql: string) => slow(sql, sql === 'b')(),
    run: (sql: string) => slow(sql.replace(/^select \* from "(\w+)"$/, '$1'))().then((rows) => ({ rows, affectedRows: undefined })),
    exec: (sql: string) => slow(sql)().then(() => {}),
    copyRows: (t: string) => slow(t)().then(() => {}),
  } as unknown as Queryable;
  const s = serialized(db);
  const results = await Promise.allSettled([s.query('a'), s.query('b'), s.copyRows('c', [], []), s.exec('d'), s.db.selectFrom('jobs').selectAll().execute()]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
  );
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c', 'start d', 'end d', 'start jobs', 'end jobs']);
});

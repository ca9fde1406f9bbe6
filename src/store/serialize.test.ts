import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serialized } from './serialize.ts';
import type { Queryable } from './store.ts';

test('statements run one at a time in the order asked, and a failure does not stop the next', async () => {
  const log: string[] = [];
  let running = 0;
  const slow = (name: string, fail = false) => async () => {
    running++;
    assert.equal(running, 1, 'two statements at once');
    log.push(`start ${name}`);
    await new Promise((r) => setTimeout(r, 5));
    log.push(`end ${name}`);
    running--;
    if (fail) throw new Error(name);
    return [];
  };
  const db: Queryable = { query: (sql) => slow(sql, sql === 'b')(), exec: (sql) => slow(sql)().then(() => {}), copyRows: (t) => slow(t)().then(() => {}) };
  const s = serialized(db);
  const results = await Promise.allSettled([s.query('a'), s.query('b'), s.copyRows('c', [], []), s.exec('d')]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c', 'start d', 'end d']);
});

import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { type Harness, harness } from '../../test/support/muster.ts';
import { describeEachStore, freshSchemaUrl } from '../../test/support/stores.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import type { JobHandler } from './handlers.ts';
import { count, insertJob, testWorker } from './test-fixtures.ts';
import type { JobWorker } from './worker.ts';

async function drain(worker: JobWorker): Promise<number> {
  let claimed = 0;
  for (;;) {
    const r = await worker.runOnce();
    if (r.claimed === 0) return claimed;
    claimed += r.claimed;
  }
}

describeEachStore('workers sharing the queue', (factory) => {
  test('workers in two processes (two stores on one schema) never run the same job twice', { skip: factory.name !== 'postgres' && 'needs several connections' }, async () => {
    const url = await freshSchemaUrl();
    const stores: Store[] = [await openStore({ dataDir: ':memory:', databaseUrl: url, poolSize: 4 }), await openStore({ dataDir: ':memory:', databaseUrl: url, poolSize: 4 })];
    const [a, b] = (await Promise.all(stores.map((s) => harness(s)))) as [Harness, Harness];
    try {
      const runs = new Map<number, number>();
      const handler: JobHandler = async (job, tx) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        await delay(Math.floor(Math.random() * 3));
        await tx.query(`INSERT INTO settings (key, value) VALUES ($1, '1'::jsonb)`, [`ran-${job.id}`]);
      };
      const jobs = 120;
      for (let i = 0; i < jobs; i++) await insertJob(a.store, 'test.count', `count-${i}`, a.clock.now());
      const workers = [
        testWorker(a, { 'test.count': handler }, { workerId: 'a1', batchSize: 5 }),
        testWorker(a, { 'test.count': handler }, { workerId: 'a2', batchSize: 5 }),
        testWorker(b, { 'test.count': handler }, { workerId: 'b1', batchSize: 5 }),
        testWorker(b, { 'test.count': handler }, { workerId: 'b2', batchSize: 5 }),
      ];
      const claimed = await Promise.all(workers.map(drain));
      assert.equal(
        claimed.reduce((x, y) => x + y, 0),
        jobs,
        `claims per worker: ${claimed.join(', ')}`,
      );
      assert.equal(runs.size, jobs);
      assert.deepEqual([...new Set(runs.values())], [1]);
      assert.equal(await count(a.store, `jobs WHERE status = 'done'`), jobs);
      assert.equal(await count(b.store, `settings WHERE key LIKE 'ran-%'`), jobs);

      for (let i = 0; i < jobs; i++) await insertJob(a.store, 'test.count', `loop-${i}`, a.clock.now());
      const loops = [
        testWorker(a, { 'test.count': handler }, { workerId: 'la', batchSize: 3, pollMs: 5, loops: 3 }),
        testWorker(b, { 'test.count': handler }, { workerId: 'lb', batchSize: 3, pollMs: 5, loops: 3 }),
      ];
      for (const w of loops) w.start();
      for (let waited = 0; (await count(a.store, `jobs WHERE status = 'done'`)) < 2 * jobs; waited += 10) {
        assert.ok(waited < 10_000, 'loops did not finish the queue');
        await delay(10);
      }
      await Promise.all(loops.map((w) => w.stop()));
      assert.equal(runs.size, 2 * jobs);
      assert.deepEqual([...new Set(runs.values())], [1]);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

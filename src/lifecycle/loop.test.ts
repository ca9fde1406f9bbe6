import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { useHarness, hrCsv, hrLine } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { waitUntil } from '../../test/support/wait.ts';
import { isMusterError } from '../core/errors.ts';
import { identityByKey, insertJob, jobRow, npeCsv, npeRow, testWorker } from './test-fixtures.ts';

describeEachStore('worker loop', (factory) => {
  const h = useHarness(factory);

  test('start polls for jobs and sweeps expired NPEs; stop waits for the round under way', async () => {
    await h.imports.run({ source: 'hr', file: await h.file('hr.csv', hrCsv([hrLine('E1')])), actor: 'alice' });
    await h.imports.run({ source: 'npe', file: await h.file('npe.csv', npeCsv([npeRow('N1', 'E1', '2026-01-01')])), actor: 'alice' });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const worker = testWorker(
      h,
      {
        'test.slow': async () => {
          entered = true;
          await gate;
        },
      },
      { pollMs: 10, sweepEveryMs: 60_000 },
    );
    worker.start();
    assert.equal(worker.running, true);
    await waitUntil('the expired NPE suspended', async () => (await identityByKey(h.store, 'npe_id', 'N1')).status === 'suspended', { timeoutMs: 5000, intervalMs: 5 });
    const id = await insertJob(h.store, 'test.slow', 'slow-1', h.clock.now());
    await waitUntil('the round under way', () => entered, { timeoutMs: 5000, intervalMs: 5 });
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await delay(30);
    assert.equal(stopped, false, 'stop waits for the job under way');
    release();
    await stopping;
    assert.equal(worker.running, false);
    assert.equal((await jobRow(h.store, id)).status, 'done');
  });

  test('an embedded store takes exactly one worker loop', { skip: factory.name !== 'pglite' && 'PostgreSQL takes several' }, async () => {
    const first = testWorker(h, {}, { pollMs: 10 });
    const second = testWorker(h, {}, { pollMs: 10, workerId: 'w2' });
    first.start();
    try {
      assert.throws(
        () => second.start(),
        (e) => isMusterError(e, 'MUSTER_ERR_CONFLICT'),
      );
      await second.stop();
    } finally {
      await first.stop();
    }
    second.start();
    await second.stop();
  });
});

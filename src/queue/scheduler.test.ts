import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { ManualClock, systemClock } from '../core/clock.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { waitUntil } from '../../test/support/wait.ts';
import { Scheduler, type TaskStateChange } from './scheduler.ts';

const START = '2026-03-02T09:00:00Z';

/** A promise and the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

function manual(): { clock: ManualClock; scheduler: Scheduler } {
  const clock = new ManualClock(START);
  return { clock, scheduler: new Scheduler({ clock, timers: false, random: () => 0 }) };
}

/** `name{labels}` → value from Prometheus text. */
async function samples(registry: Registry): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (const line of (await registry.metrics()).split('\n')) {
    const sample = /^(\w+)(\{.*\})? (\S+)$/.exec(line);
    if (sample) values.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]));
  }
  return values;
}

describe('scheduler', () => {
  test('a task runs when it is due by the clock, and again one interval after its run ended', async () => {
    const { clock, scheduler } = manual();
    let runs = 0;
    scheduler.add({
      name: 't',
      everyMs: 1000,
      run: async () => {
        runs++;
      },
    });
    await scheduler.runDue();
    assert.equal(runs, 0, 'not due before one interval');
    clock.advance(999);
    await scheduler.runDue();
    assert.equal(runs, 0);
    clock.advance(1);
    await scheduler.runDue();
    await scheduler.runDue();
    assert.equal(runs, 1, 'once per due time');
    clock.advance(1000);
    await scheduler.runDue();
    assert.equal(runs, 2);
  });

  test('runAtStart, next() and jitter decide the due times', async () => {
    const clock = new ManualClock(START);
    const scheduler = new Scheduler({ clock, timers: false, random: () => 0.5 });
    const ran: string[] = [];
    scheduler.add({
      name: 'first',
      everyMs: 1000,
      runAtStart: true,
      run: async () => {
        ran.push('first');
      },
    });
    scheduler.add({
      name: 'daily',
      next: (after) => new Date(after.getTime() + 86_400_000),
      jitterMs: 1000,
      run: async () => {
        ran.push('daily');
      },
    });
    await scheduler.runDue();
    assert.deepEqual(ran, ['first']);
    clock.advance(86_400_000 + 499);
    await scheduler.runDue();
    assert.deepEqual(ran, ['first', 'first'], 'half the jitter not yet passed');
    clock.advance(1);
    await scheduler.runDue();
    assert.deepEqual(ran, ['first', 'first', 'daily']);
  });

  test('a task never overlaps itself', async () => {
    const { clock, scheduler } = manual();
    const hold = gate();
    let running = 0;
    let most = 0;
    let runs = 0;
    scheduler.add({
      name: 'slow',
      everyMs: 10,
      run: async () => {
        runs++;
        most = Math.max(most, ++running);
        await hold.promise;
        running--;
      },
    });
    clock.advance(10);
    const first = scheduler.runDue();
    clock.advance(10_000);
    await Promise.race([scheduler.runDue(), delay(20)]);
    await Promise.race([scheduler.runDue(), delay(20)]);
    assert.equal(runs, 1, 'not started again while it runs');
    hold.open();
    await first;
    assert.equal(most, 1);
  });

  test('a failure is caught, told once, does not stop other tasks, and the recovery is told once', async () => {
    const { clock, scheduler } = manual();
    const changes: TaskStateChange[] = [];
    scheduler.onStateChange((change) => changes.push(change));
    let broken = true;
    let healthy = 0;
    scheduler.add({
      name: 'flaky',
      everyMs: 1000,
      run: async () => {
        if (broken) throw new Error('down');
      },
    });
    scheduler.add({
      name: 'healthy',
      everyMs: 1000,
      run: async () => {
        healthy++;
      },
    });
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await scheduler.runDue();
    }
    assert.equal(healthy, 3);
    assert.deepEqual(
      changes.map((c) => [c.task, c.failing, (c.error as Error | undefined)?.message]),
      [['flaky', true, 'down']],
      'one word for three failures',
    );
    broken = false;
    for (let i = 0; i < 2; i++) {
      clock.advance(1000);
      await scheduler.runDue();
    }
    assert.deepEqual(
      changes.map((c) => [c.task, c.failing]),
      [
        ['flaky', true],
        ['flaky', false],
      ],
    );
  });

  test('stop waits for the runs under way and starts no more', async () => {
    const { clock, scheduler } = manual();
    const hold = gate();
    let runs = 0;
    let finished = false;
    scheduler.add({
      name: 'slow',
      everyMs: 10,
      run: async () => {
        runs++;
        await hold.promise;
        finished = true;
      },
    });
    clock.advance(10);
    void scheduler.runDue();
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await delay(20);
    assert.equal(stopped, false, 'stop waits');
    hold.open();
    await stopping;
    assert.equal(finished, true);
    clock.advance(10_000);
    await scheduler.runDue();
    assert.equal(runs, 1);
  });

  test('remove waits for the run under way; the name may be added again', async () => {
    const { clock, scheduler } = manual();
    const hold = gate();
    scheduler.add({ name: 't', everyMs: 10, run: () => hold.promise });
    assert.throws(() => scheduler.add({ name: 't', everyMs: 10, run: async () => {} }), /already registered/);
    clock.advance(10);
    void scheduler.runDue();
    let removed = false;
    const removing = scheduler.remove('t').then(() => (removed = true));
    await delay(20);
    assert.equal(removed, false);
    hold.open();
    await removing;
    assert.deepEqual(scheduler.tasks, []);
    scheduler.add({ name: 't', everyMs: 10, run: async () => {} });
    assert.deepEqual(scheduler.tasks, ['t']);
  });

  test('runs are counted by task and outcome, with the last success and the durations', async () => {
    const { clock, scheduler } = manual();
    const registry = new Registry();
    scheduler.add({ name: 'ok', everyMs: 1000, run: async () => {} });
    scheduler.attachMetrics(registry);
    scheduler.add({
      name: 'bad',
      everyMs: 1000,
      run: async () => {
        throw new Error('no');
      },
    });
    let values = await samples(registry);
    assert.equal(values.get('muster_scheduler_runs_total{task="ok",outcome="success"}'), 0, 'every task shown from the start');
    assert.equal(values.get('muster_scheduler_runs_total{task="bad",outcome="failure"}'), 0);
    for (let i = 0; i < 2; i++) {
      clock.advance(1000);
      await scheduler.runDue();
    }
    values = await samples(registry);
    assert.equal(values.get('muster_scheduler_runs_total{task="ok",outcome="success"}'), 2);
    assert.equal(values.get('muster_scheduler_runs_total{task="bad",outcome="failure"}'), 2);
    assert.equal(values.get('muster_scheduler_runs_total{task="bad",outcome="success"}'), 0);
    assert.equal(values.get('muster_scheduler_last_success_timestamp_seconds{task="ok"}'), clock.now().getTime() / 1000);
    assert.equal(values.has('muster_scheduler_last_success_timestamp_seconds{task="bad"}'), false, 'never ended well');
    assert.equal(values.get('muster_scheduler_run_duration_seconds_count{task="ok"}'), 2);
    assert.equal(values.get('muster_scheduler_run_duration_seconds_count{task="bad"}'), 2);
  });

  test('timers wake the scheduler to run due tasks on their own', async () => {
    const scheduler = new Scheduler({ clock: systemClock });
    let runs = 0;
    scheduler.add({
      name: 'quick',
      everyMs: 10,
      runAtStart: true,
      run: async () => {
        runs++;
      },
    });
    try {
      await waitUntil('three runs', () => runs >= 3, { timeoutMs: 5000, intervalMs: 5 });
    } finally {
      await scheduler.stop();
    }
    const after = runs;
    await delay(50);
    assert.equal(runs, after, 'no run after stop');
  });

  test('a clock that moves on is noticed within maxSleepMs', async () => {
    const clock = new ManualClock(START);
    const scheduler = new Scheduler({ clock, maxSleepMs: 10 });
    let runs = 0;
    scheduler.add({
      name: 'hourly',
      everyMs: 3_600_000,
      run: async () => {
        runs++;
      },
    });
    try {
      await delay(30);
      assert.equal(runs, 0);
      clock.advance(3_600_000);
      await waitUntil('the run', () => runs === 1, { timeoutMs: 5000, intervalMs: 5 });
    } finally {
      await scheduler.stop();
    }
  });
});

describeEachStore('scheduler singleton tasks', (factory) => {
  test('a singleton task runs in one process at a time where the store is shared, and everywhere on an embedded one', async () => {
    const store = await factory.open();
    try {
      const clock = new ManualClock(START);
      const one = new Scheduler({ clock, store, timers: false });
      const two = new Scheduler({ clock, store, timers: false });
      const registry = new Registry();
      two.attachMetrics(registry);
      const hold = gate();
      let entered = false;
      let secondRan = false;
      one.add({
        name: 'sweep',
        everyMs: 1000,
        singleton: true,
        run: async () => {
          entered = true;
          await hold.promise;
        },
      });
      two.add({
        name: 'sweep',
        everyMs: 1000,
        singleton: true,
        run: async () => {
          secondRan = true;
        },
      });
      clock.advance(1000);
      const first = one.runDue();
      await waitUntil('the first run under way', () => entered, { timeoutMs: 5000, intervalMs: 5 });
      if (store.capabilities.multipleConnections) {
        await two.runDue();
        assert.equal(secondRan, false, 'the other process skips its turn');
        assert.equal((await samples(registry)).get('muster_scheduler_runs_total{task="sweep",outcome="skipped"}'), 1);
        hold.open();
        await first;
      } else {
        hold.open();
        await first;
        await two.runDue();
        assert.equal(secondRan, true, 'no lock on a store one process opens');
      }
      await Promise.all([one.stop(), two.stop()]);
    } finally {
      await store.close();
    }
  });
});

describeEachStore('scheduler singleton tasks on a small pool', (factory) => {
  test('singleton tasks due together run one after another, so their locks never take every connection', async () => {
    const store = await factory.open();
    try {
      const clock = new ManualClock(START);
      const scheduler = new Scheduler({ clock, store, timers: false });
      let running = 0;
      let most = 0;
      for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) {
        scheduler.add({
          name: `sweep-${name}`,
          everyMs: 1000,
          singleton: true,
          run: async () => {
            running++;
            most = Math.max(most, running);
            // the work takes a connection of its own beside the lock's
            await store.query('SELECT pg_sleep(0.01)');
            running--;
          },
        });
      }
      clock.advance(1000);
      await scheduler.runDue();
      assert.equal(most, store.capabilities.multipleConnections ? 1 : most);
      await scheduler.stop();
    } finally {
      await store.close();
    }
  });
});

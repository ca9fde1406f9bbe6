import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import { Scheduler } from '../queue/scheduler.ts';
import { createLogger } from './log.ts';
import { logSchedulerStates } from './scheduler-log.ts';

/** Runs `failures` in turn (an error fails the run, undefined succeeds); the log lines written. */
async function logOf(failures: readonly (Error | undefined)[]): Promise<{ msg: string; task: string; error?: { code?: string } }[]> {
  const lines: string[] = [];
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const scheduler = new Scheduler({ clock, timers: false });
  const stop = logSchedulerStates(scheduler, createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } }));
  let turn = 0;
  scheduler.add({
    name: 'pki.revocation-publish',
    everyMs: 1000,
    run: async () => {
      const error = failures[turn++];
      if (error) throw error;
    },
  });
  for (let i = 0; i < failures.length; i++) {
    clock.advance(1000);
    await scheduler.runDue();
  }
  stop();
  return lines.map((l) => JSON.parse(l) as { msg: string; task: string; error?: { code?: string } });
}

test('a failing task is logged once as it starts failing and once as it runs again', async () => {
  const down = new MusterError('MUSTER_ERR_CONFLICT', 'no');
  const lines = await logOf([undefined, down, down, down, undefined, undefined]);
  assert.deepEqual(
    lines.map((l) => [l.msg, l.task, l.error?.code]),
    [
      ['periodic task failing', 'pki.revocation-publish', 'MUSTER_ERR_CONFLICT'],
      ['periodic task running again', 'pki.revocation-publish', undefined],
    ],
  );
});

test('a task failing while the store is away is left to the store line, its recovery too', async () => {
  const away = new MusterError('MUSTER_ERR_STORE_UNAVAILABLE', 'gone');
  assert.deepEqual(await logOf([away, away, undefined]), []);
});

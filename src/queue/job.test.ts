import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import type { Tx } from '../store/store.ts';
import { type BatchContext, type BatchItem, type Job, type JobContext, batchOf, itemsOfIdentities } from './job.ts';

const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
const job = (id: number, identityId?: string): Job => ({
  id,
  kind: 'credentials.terminate',
  idempotencyKey: `k${id}`,
  payload: identityId ? { identityId } : {},
  status: 'running',
  attempts: 1,
  runAfter: clock.now(),
  lockedBy: 'w1',
  lockedUntil: null,
  lastError: null,
  eventId: id * 10,
  createdAt: clock.now(),
  updatedAt: clock.now(),
});
const items: BatchItem[] = [
  { job: job(1, 'a'), correlationId: 'req-a' },
  { job: job(2, 'b'), correlationId: 'req-b' },
  { job: job(3), correlationId: 'job-3' },
];
const tx = {} as Tx;
const ctx: BatchContext<string> = {
  clock,
  audit: 'audit',
  now: clock.now(),
  workerId: 'w1',
  contextOf: (item) => ({ clock, audit: `audit-of-${item.job.eventId}`, now: clock.now(), workerId: 'w1', correlationId: item.correlationId, causeEventId: item.job.eventId }),
};

describe('batch handlers made of per-job handlers', () => {
  it('run only the jobs the filter keeps, each with its own context, in the batch transaction', async () => {
    const ran: [number, JobContext<string>, Tx][] = [];
    const handler = batchOf<string>(
      async (j, t, c) => {
        ran.push([j.id, c, t]);
      },
      async (all) => itemsOfIdentities(all, new Set(['b'])),
    );
    await handler.batch(items, tx, ctx);
    assert.deepEqual(
      ran.map(([id, c]) => [id, c.correlationId, c.causeEventId, c.audit]),
      [
        [2, 'req-b', 20, 'audit-of-20'],
        [3, 'job-3', 30, 'audit-of-30'],
      ],
      'job 1 had nothing to do; job 3 names no identity and runs (to fail) as it would alone',
    );
    assert.ok(ran.every(([, , t]) => t === tx));
  });

  it('a batch of one skips the filter', async () => {
    let filtered = false;
    const ran: number[] = [];
    const handler = batchOf<string>(
      async (j) => {
        ran.push(j.id);
      },
      async () => {
        filtered = true;
        return [];
      },
    );
    await handler.batch([items[0] as BatchItem], tx, ctx);
    assert.deepEqual(ran, [1]);
    assert.equal(filtered, false);
  });
});

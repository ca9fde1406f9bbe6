import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { ManualClock } from '../core/clock.ts';
import type { Store } from '../store/store.ts';
import { DurableQueue, type QueueClaim, type QueueItem, type QueueTable } from './durable-queue.ts';

interface Item extends QueueItem {
  readonly id: number;
}

/** A table that hands out `available` items and remembers what it was asked. */
function fakeTable(available: number): QueueTable<Item> & { claims: QueueClaim[] } {
  const claims: QueueClaim[] = [];
  return {
    name: 'fake',
    claims,
    async claim(_db, claim) {
      claims.push(claim);
      return Array.from({ length: Math.min(available, claim.limit) }, (_, i) => ({ id: i + 1, attempts: 1, eventId: null, correlationId: null }));
    },
    stats: () => ({ table: 'fake', waiting: sql`true`, claimed: sql`true`, dead: sql`true`, queuedAt: 'created_at' }),
  };
}

const store = {} as Store;
const item = (attempts: number): Item => ({ id: 7, attempts, eventId: 3, correlationId: 'req-1' });

function queue(table: QueueTable<Item>, clock: ManualClock, random = () => 0.5) {
  return new DurableQueue({
    store,
    clock,
    table,
    workerId: 'w1',
    leaseMs: 60_000,
    maxAttempts: 3,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    random,
    circuits: { failures: 2, openMs: 30_000 },
    keys: ['ldap'],
  });
}

describe('the durable queue', () => {
  it('claims with the lease and worker it was given, of one key when asked', async () => {
    const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
    const table = fakeTable(10);
    const claimed = await queue(table, clock).claim(5, 'ldap');
    assert.equal(claimed.length, 5);
    assert.deepEqual(table.claims, [{ workerId: 'w1', now: clock.now(), leaseMs: 60_000, limit: 5, key: 'ldap' }]);
  });

  it("claims nothing while a key's circuit is open, then one trial, then batches again once a call succeeds", async () => {
    const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
    const table = fakeTable(10);
    const q = queue(table, clock);
    q.unavailable('ldap');
    assert.equal((await q.claim(5, 'ldap')).length, 5, 'one failure does not open the circuit');
    q.unavailable('ldap');
    assert.equal(q.isOpen('ldap'), true);
    assert.deepEqual(await q.claim(5, 'ldap'), []);
    assert.equal((await q.claim(5, 'other')).length, 5, "another key's circuit is its own");
    clock.advance(30_000);
    assert.equal((await q.claim(5, 'ldap')).length, 1, 'half-open: one trial');
    q.succeeded('ldap');
    assert.equal((await q.claim(5, 'ldap')).length, 5);
  });

  it('retries after a jittered back-off, and makes the last attempt a dead letter', () => {
    const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
    const q = queue(fakeTable(0), clock, () => 0.5);
    // attempt 2 failed: full jitter over min(60 s, 1 s · 2) → 0.5 · 2000 ms
    assert.deepEqual(q.afterFailure(item(2)), { retry: true, runAfter: new Date(clock.now().getTime() + 1000) });
    assert.deepEqual(q.afterFailure(item(3)), { retry: false });
    assert.deepEqual(q.afterFailure(item(1), { final: true }), { retry: false });
    assert.equal(q.overClaimed(item(4)), true);
    assert.equal(q.overClaimed(item(3)), false);
  });

  it("spends no last attempt on a key that is down, and waits for its circuit's trial", () => {
    const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
    const q = queue(fakeTable(0), clock, () => 0);
    q.unavailable('ldap');
    q.unavailable('ldap');
    const next = q.afterFailure(item(3), { keyUnavailable: 'ldap' });
    assert.deepEqual(next, { retry: true, runAfter: new Date(clock.now().getTime() + 30_000) });
  });

  it('names the correlation id of the cause, or the fallback when nothing caused the item', () => {
    const q = queue(fakeTable(0), new ManualClock(new Date('2026-03-01T00:00:00Z')));
    assert.equal(q.correlationOf(item(1), 'job-7'), 'req-1');
    assert.equal(q.correlationOf({ ...item(1), correlationId: null }, 'job-7'), 'job-7');
  });
});

import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { MusterError, isMusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { listJobs, retryJob } from './admin.ts';
import type { JobHandler } from './handlers.ts';
import { claimJobs, holdClaim } from './queue.ts';
import { count, insertJob, jobRow, testWorker } from './test-fixtures.ts';

describeEachStore('outbox worker', (factory) => {
  const h = useHarness(factory);
  beforeEach(async () => {
    await h.store.query(`UPDATE jobs SET status = 'done' WHERE status <> 'done'`);
  });

  test('a due job runs once and is done; a job not yet due waits', async () => {
    const seen: number[] = [];
    const handler: JobHandler = async (job, tx) => {
      seen.push(job.id);
      await tx.query(`INSERT INTO settings (key, value) VALUES ($1, '1'::jsonb)`, [`ran-${job.id}`]);
    };
    const id = await insertJob(h.store, 'test.ok', 'ok-1', h.clock.now());
    const later = await insertJob(h.store, 'test.ok', 'ok-2', new Date(h.clock.now().getTime() + 5000));
    const worker = testWorker(h, { 'test.ok': handler });
    assert.deepEqual(await worker.runOnce(), { claimed: 1, done: 1, retried: 0, dead: 0 });
    assert.deepEqual(await worker.runOnce(), { claimed: 0, done: 0, retried: 0, dead: 0 });
    assert.deepEqual(seen, [id]);
    const row = await jobRow(h.store, id);
    assert.equal(row.status, 'done');
    assert.equal(row.attempts, 1);
    assert.equal(row.locked_by, null);
    assert.equal(await count(h.store, 'settings WHERE key = $1', [`ran-${id}`]), 1);
    h.clock.advance(5000);
    assert.equal((await worker.runOnce()).done, 1);
    assert.deepEqual(seen, [id, later]);
  });

  test('a job whose transaction the store cut off goes back to the queue once the store answers, not to the dead letters', async () => {
    const lost = () => new MusterError('MUSTER_ERR_STORE_UNAVAILABLE', 'the database is unavailable: Connection terminated unexpectedly');
    const down = { transactions: false, statements: false };
    const cutting: Store = {
      ...h.store,
      query: (sql, params) => (down.statements ? Promise.reject(lost()) : h.store.query(sql, params)),
      transaction: (fn) => (down.transactions ? Promise.reject(lost()) : h.store.transaction(fn)),
    };
    const ran: number[] = [];
    const worker = testWorker(h, { 'test.ok': async (job) => void ran.push(job.id) }, { store: cutting, maxAttempts: 1 });
    const id = await insertJob(h.store, 'test.ok', 'cut-1', h.clock.now());
    down.transactions = true;
    await assert.rejects(worker.runOnce(), (e) => isMusterError(e, 'MUSTER_ERR_STORE_UNAVAILABLE'));
    down.statements = true;
    await assert.rejects(worker.runOnce(), (e) => isMusterError(e, 'MUSTER_ERR_STORE_UNAVAILABLE'));
    assert.equal((await jobRow(h.store, id)).status, 'running');
    down.transactions = down.statements = false;
    assert.deepEqual(await worker.runOnce(), { claimed: 1, done: 1, retried: 0, dead: 0 });
    const row = await jobRow(h.store, id);
    assert.equal(row.status, 'done');
    assert.equal(row.attempts, 1, 'the cut-off claim is not counted');
    assert.deepEqual(ran, [id]);
    assert.equal(await count(h.store, `audit_log WHERE action = 'job.dead' AND target = $1`, [`job:${id}`]), 0);
  });

  test('a failing handler is retried with growing back-off, then dead-lettered and audited', async () => {
    let calls = 0;
    const handler: JobHandler = async (_job, tx) => {
      calls++;
      await tx.query(`INSERT INTO settings (key, value) VALUES ('never-committed', '1'::jsonb)`);
      throw new Error(`boom ${calls}`);
    };
    const id = await insertJob(h.store, 'test.fail', 'fail-1', h.clock.now());
    const worker = testWorker(h, { 'test.fail': handler }, { maxAttempts: 3, backoff: { baseMs: 1000, maxMs: 60_000 }, random: () => 0.5 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const start = h.clock.now().getTime();
      assert.deepEqual(await worker.runOnce(), { claimed: 1, done: 0, retried: 1, dead: 0 });
      const row = await jobRow(h.store, id);
      assert.equal(row.status, 'pending');
      assert.equal(row.last_error, `boom ${attempt}`);
      delays.push(row.run_after.getTime() - start);
      h.clock.advance((delays.at(-1) as number) - 1);
      assert.equal((await worker.runOnce()).claimed, 0, 'not due before its back-off');
      h.clock.advance(1);
    }
    assert.deepEqual(delays, [500, 1000]);
    assert.deepEqual(await worker.runOnce(), { claimed: 1, done: 0, retried: 0, dead: 1 });
    const row = await jobRow(h.store, id);
    assert.equal(row.status, 'dead');
    assert.equal(row.attempts, 3);
    assert.equal(row.last_error, 'boom 3');
    assert.equal(await count(h.store, `settings WHERE key = 'never-committed'`), 0);
    const [entry] = await h.store.query<{ actor: string; target: string; data: { kind: string; attempts: number } }>(
      `SELECT actor, target, data FROM audit_log WHERE action = 'job.dead' AND target = $1`,
      [`job:${id}`],
    );
    assert.equal(entry?.actor, 'muster:worker');
    assert.equal(entry?.data.kind, 'test.fail');
    assert.equal(entry?.data.attempts, 3);
    h.clock.advance(3_600_000);
    assert.equal((await worker.runOnce()).claimed, 0, 'a dead job stays dead');
  });

  test('back-off is capped by maxMs', async () => {
    const id = await insertJob(h.store, 'test.fail', 'cap-1', h.clock.now());
    await h.store.query('UPDATE jobs SET attempts = 10 WHERE id = $1', [id]);
    const worker = testWorker(h, { 'test.fail': async () => Promise.reject(new Error('no')) }, { maxAttempts: 20, backoff: { baseMs: 1000, maxMs: 4000 }, random: () => 0.999 });
    const start = h.clock.now().getTime();
    await worker.runOnce();
    assert.equal((await jobRow(h.store, id)).run_after.getTime() - start, 3996);
  });

  test('a job whose lease expired is reclaimed; a live lease is respected', async () => {
    const now = h.clock.now();
    const dead = await insertJob(h.store, 'test.ok', 'lease-1', now);
    const live = await insertJob(h.store, 'test.ok', 'lease-2', now);
    await h.store.query(`UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'gone', locked_until = $2 WHERE id = $1`, [dead, new Date(now.getTime() - 1)]);
    await h.store.query(`UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'busy', locked_until = $2 WHERE id = $1`, [live, new Date(now.getTime() + 1000)]);
    const seen: number[] = [];
    const worker = testWorker(h, { 'test.ok': async (job) => void seen.push(job.id) });
    assert.deepEqual(await worker.runOnce(), { claimed: 1, done: 1, retried: 0, dead: 0 });
    assert.deepEqual(seen, [dead]);
    assert.equal((await jobRow(h.store, dead)).attempts, 2);
    assert.equal((await jobRow(h.store, live)).status, 'running');
  });

  test('a worker whose lease was taken over does not finish the job', async () => {
    const id = await insertJob(h.store, 'test.ok', 'lost-1', h.clock.now());
    const [first] = await claimJobs(h.store, { workerId: 'slow', now: h.clock.now(), leaseMs: 1000, limit: 1 });
    h.clock.advance(1001);
    const [second] = await claimJobs(h.store, { workerId: 'fast', now: h.clock.now(), leaseMs: 1000, limit: 1 });
    assert.equal(second?.job.id, id);
    assert.equal(await h.store.transaction((tx) => holdClaim(tx, first?.job as never, 'slow')), false);
    assert.equal(await h.store.transaction((tx) => holdClaim(tx, second?.job as never, 'fast')), true);
  });

  test('a job claimed more than maxAttempts times without finishing is dead-lettered unrun', async () => {
    const id = await insertJob(h.store, 'test.ok', 'crashy-1', h.clock.now());
    await h.store.query(`UPDATE jobs SET status = 'running', attempts = 3, locked_by = 'gone', locked_until = $2 WHERE id = $1`, [id, new Date(h.clock.now().getTime() - 1)]);
    let ran = false;
    const worker = testWorker(h, { 'test.ok': async () => void (ran = true) }, { maxAttempts: 3 });
    assert.equal((await worker.runOnce()).dead, 1);
    assert.equal(ran, false);
    assert.match((await jobRow(h.store, id)).last_error ?? '', /claimed 4 times/);
  });

  test('a job of an unknown kind is dead-lettered with MUSTER_ERR_JOB_UNKNOWN', async () => {
    const id = await insertJob(h.store, 'test.nobody', 'unknown-1', h.clock.now());
    const worker = testWorker(h, { 'test.ok': async () => {} });
    assert.deepEqual(await worker.runOnce(), { claimed: 1, done: 0, retried: 0, dead: 1 });
    const row = await jobRow(h.store, id);
    assert.equal(row.status, 'dead');
    assert.match(row.last_error ?? '', /^MUSTER_ERR_JOB_UNKNOWN: /);
    assert.equal(await count(h.store, `audit_log WHERE action = 'job.dead' AND target = $1`, [`job:${id}`]), 1);
  });

  test('listJobs filters; retryJob puts a dead job back, audited, and refuses a live one', async () => {
    const id = await insertJob(h.store, 'test.retry', 'retry-1', h.clock.now());
    let fail = true;
    const worker = testWorker(
      h,
      {
        'test.retry': async () => {
          if (fail) throw new Error('down');
        },
      },
      { maxAttempts: 1 },
    );
    assert.equal((await worker.runOnce()).dead, 1);
    const dead = await listJobs(h.store, { status: 'dead', kind: 'test.retry' });
    assert.deepEqual(
      dead.map((j) => j.id),
      [id],
    );
    assert.equal(dead[0]?.lastError, 'down');
    const retried = await retryJob(h.store, h.audit, h.clock, id, 'alice');
    assert.equal(retried.status, 'pending');
    assert.equal(retried.attempts, 0);
    assert.equal(await count(h.store, `audit_log WHERE action = 'job.retried' AND actor = 'alice' AND target = $1`, [`job:${id}`]), 1);
    await assert.rejects(retryJob(h.store, h.audit, h.clock, id, 'alice'), (e) => isMusterError(e, 'MUSTER_ERR_CONFLICT'));
    await assert.rejects(retryJob(h.store, h.audit, h.clock, 999_999, 'alice'), (e) => isMusterError(e, 'MUSTER_ERR_NOT_FOUND'));
    fail = false;
    assert.equal((await worker.runOnce()).done, 1);
    assert.equal((await listJobs(h.store, { kind: 'test.retry', limit: 5 }))[0]?.status, 'done');
    await assert.rejects(listJobs(h.store, { status: 'bogus' as never }), (e) => isMusterError(e, 'MUSTER_ERR_VALIDATION'));
  });
});

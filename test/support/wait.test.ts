import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WaitTimeout, waitUntil } from './wait.ts';

describe('waitUntil', () => {
  test('returns the first value the check gives that is neither undefined nor false', async () => {
    let looks = 0;
    const value = await waitUntil('the third look', () => (++looks === 3 ? { looks } : looks === 1 ? false : undefined), { intervalMs: 1 });
    assert.deepEqual(value, { looks: 3 });
  });

  test('fails naming what it waited for once the time is up', async () => {
    await assert.rejects(
      waitUntil('a thing that never happens', async () => false, { timeoutMs: 30, intervalMs: 5 }),
      (error) => {
        assert.ok(error instanceof WaitTimeout);
        assert.equal(error.message, 'timed out after 30 ms waiting for a thing that never happens');
        return true;
      },
    );
  });

  test('a check that throws fails at once, unless errors are retried; then the last one is named', async () => {
    let looks = 0;
    const boom = () => {
      looks += 1;
      throw new Error('connection refused');
    };
    await assert.rejects(waitUntil('the server', boom, { timeoutMs: 1000 }), /connection refused/);
    assert.equal(looks, 1);
    await assert.rejects(waitUntil('the server', boom, { timeoutMs: 30, intervalMs: 5, retryOnError: true }), /waiting for the server \(last error: connection refused\)/);
    assert.ok(looks > 2);
    let tries = 0;
    assert.equal(await waitUntil('the server back', () => (++tries < 3 ? boom() : 'up'), { intervalMs: 1, retryOnError: true }), 'up');
  });
});

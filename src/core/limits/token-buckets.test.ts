import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter, TokenBuckets } from './token-buckets.ts';

describe('TokenBuckets', () => {
  it('takes a burst at once, then refuses with the seconds until the next token', () => {
    const buckets = new TokenBuckets({ perSecond: 2, burst: 3 }, 10);
    for (let i = 0; i < 3; i++) assert.deepEqual(buckets.take('a', 0), { ok: true });
    assert.deepEqual(buckets.take('a', 0), { ok: false, retryAfterSeconds: 1 });
    assert.deepEqual(buckets.take('b', 0), { ok: true }, 'another key has its own bucket');
    assert.deepEqual(buckets.take('a', 500), { ok: true }, 'half a second refills one token at 2 a second');
    assert.equal(buckets.take('a', 500).ok, false);
  });

  it('never refills past the burst', () => {
    const buckets = new TokenBuckets({ perSecond: 10, burst: 2 }, 10);
    assert.equal(buckets.take('a', 0).ok, true);
    const later = 3_600_000;
    assert.equal(buckets.take('a', later).ok, true);
    assert.equal(buckets.take('a', later).ok, true);
    assert.equal(buckets.take('a', later).ok, false);
  });

  it('names a Retry-After of several seconds under a slow rate', () => {
    const buckets = new TokenBuckets({ perSecond: 0.1, burst: 1 }, 10);
    buckets.take('a', 0);
    assert.deepEqual(buckets.take('a', 0), { ok: false, retryAfterSeconds: 10 });
  });

  it('keeps at most maxKeys buckets, forgetting the least recently used', () => {
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1 }, 2);
    buckets.take('a', 0);
    buckets.take('b', 0);
    buckets.take('a', 0);
    buckets.take('c', 0);
    assert.equal(buckets.size, 2);
    assert.equal(buckets.take('a', 0).ok, false, 'a was used last and is still known');
    assert.equal(buckets.take('b', 0).ok, true, 'b was forgotten: a full bucket again');
  });

  it('takes everything at a rate of 0', () => {
    const buckets = new TokenBuckets({ perSecond: 0, burst: 1 }, 2);
    for (let i = 0; i < 100; i++) assert.equal(buckets.take('a', 0).ok, true);
    assert.equal(buckets.size, 0);
  });
});

describe('RateLimiter', () => {
  it('limits by address and by token, and lets a request without either through', () => {
    const limiter = new RateLimiter({ perAddress: { perSecond: 1, burst: 2 }, perToken: { perSecond: 1, burst: 1 }, maxTracked: 10 });
    assert.equal(limiter.take({ address: '10.0.0.1', token: 't1' }, 0).ok, true);
    assert.equal(limiter.take({ address: '10.0.0.1', token: 't1' }, 0).ok, false, 'the token is spent');
    assert.equal(limiter.take({ address: '10.0.0.2', token: 't2' }, 0).ok, true);
    assert.equal(limiter.take({ address: '10.0.0.1' }, 0).ok, false, 'the address is spent too');
    for (let i = 0; i < 10; i++) assert.equal(limiter.take({ address: null }, 0).ok, true);
  });
});

import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import type { Store } from '../store/store.ts';
import { listAuditEntries } from './queries.ts';
import { RefusalAggregator, type RefusalNotice } from './refusal-aggregator.ts';
import { T0, resetAudit, testKey } from './test-fixtures.ts';
import { AuditWriter } from './writer.ts';

function notice(source: string, path = '/ssf/streams'): RefusalNotice {
  return {
    source,
    draft: { actor: 'anonymous', action: 'test.refused', target: path, reason: 'no bearer credential', data: { path } },
    sample: { method: 'GET', path, reason: 'no bearer credential' },
    correlationId: 'test',
  };
}

describeEachStore('refusal aggregator', (factory) => {
  const key = testKey();
  let store: Store;
  let clock: ManualClock;
  let aggregator: RefusalAggregator;

  before(async () => {
    store = await factory.open();
  });
  after(async () => {
    await store.close();
  });
  beforeEach(async () => {
    await resetAudit(store);
    clock = new ManualClock(T0);
    const audit = new AuditWriter({ clock, signer: key.signer, checkpointInterval: 1000 });
    aggregator = new RefusalAggregator({ store, audit, clock, windowSeconds: 60, samples: 3, maxSources: 2, onError: (error) => assert.fail(String(error)) });
  });

  const entries = async () => (await listAuditEntries(store, { action: 'test.refused', limit: 1000 })).reverse();

  it('writes the first refusal of a source at once and 10,000 more as one entry when the window closes', async () => {
    for (let i = 0; i < 10_001; i++) await aggregator.refuse(notice('address:192.0.2.1', `/ssf/streams/${i}`));
    const first = await entries();
    assert.equal(first.length, 1);
    assert.deepEqual(first[0]?.data, { path: '/ssf/streams/0', source: 'address:192.0.2.1' });
    clock.advance(59_999);
    await aggregator.flushDue();
    assert.equal((await entries()).length, 1, 'the window is still open');
    clock.advance(1);
    await aggregator.flushDue();
    const [, aggregate] = await entries();
    assert.equal(aggregate?.data?.count, 10_000);
    assert.equal(aggregate?.data?.source, 'address:192.0.2.1');
    const samples = (aggregate?.data?.samples ?? []) as { path: string }[];
    assert.deepEqual(
      samples.map((s) => s.path),
      ['/ssf/streams/1', '/ssf/streams/2', '/ssf/streams/3'],
    );
    assert.match(aggregate?.reason ?? '', /^10000 more test\.refused from address:192\.0\.2\.1 within 60 s/);
    assert.equal(aggregator.tracked, 0);
  });

  it('closes a window when the next refusal from its source comes after it', async () => {
    await aggregator.refuse(notice('address:192.0.2.1'));
    await aggregator.refuse(notice('address:192.0.2.1'));
    clock.advance(61_000);
    await aggregator.refuse(notice('address:192.0.2.1'));
    const written = await entries();
    assert.deepEqual(
      written.map((e) => e.data?.count ?? 'first'),
      ['first', 1, 'first'],
    );
  });

  it('counts sources past maxSources under one overflow source', async () => {
    for (const n of [1, 2, 3, 4, 5]) await aggregator.refuse(notice(`address:192.0.2.${n}`));
    assert.equal(aggregator.tracked, 3);
    await aggregator.flushAll();
    const written = await entries();
    assert.deepEqual(
      written.map((e) => [e.data?.source, e.data?.count ?? 'first']),
      [
        ['address:192.0.2.1', 'first'],
        ['address:192.0.2.2', 'first'],
        ['overflow', 'first'],
        ['overflow', 2],
      ],
    );
  });

  it('cuts long paths and control characters out of samples', async () => {
    await aggregator.refuse(notice('address:192.0.2.9'));
    await aggregator.refuse(notice('address:192.0.2.9', `/ssf/\u0000${'x'.repeat(12_000)}`));
    await aggregator.flushAll();
    const sample = (((await entries())[1]?.data?.samples ?? []) as { path: string }[])[0];
    assert.equal(sample?.path.length, 201);
    assert.ok(sample?.path.startsWith('/ssf/?x'));
  });
});

describeEachStore('refusal aggregator writing the first few at once', (factory) => {
  let store: Store;

  before(async () => {
    store = await factory.open();
  });
  after(async () => {
    await store.close();
  });

  it('writes writtenAtOnce refusals one by one, then counts the rest of the window', async () => {
    await resetAudit(store);
    const clock = new ManualClock(T0);
    const audit = new AuditWriter({ clock, signer: testKey().signer, checkpointInterval: 1000 });
    const aggregator = new RefusalAggregator({ store, audit, clock, writtenAtOnce: 3 });
    for (let i = 0; i < 100; i++) await aggregator.refuse(notice('token:abc'));
    clock.advance(60_000);
    await aggregator.flushDue();
    const written = (await listAuditEntries(store, { action: 'test.refused', limit: 1000 })).reverse();
    assert.deepEqual(
      written.map((e) => e.data?.count ?? 'one'),
      ['one', 'one', 'one', 97],
    );
  });
});

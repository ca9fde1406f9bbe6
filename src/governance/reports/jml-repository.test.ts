import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type Harness, hrCsv, hrLine, useHarness } from '../../../test/support/muster.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { joinersMoversLeaversPerDay } from './jml-repository.ts';

describeEachStore('joiners, movers and leavers per day', (factory) => {
  const h: Harness = useHarness(factory, { import: { massChangeShare: 1 } });

  before(async () => {
    const first = await h.imports.run({ source: 'hr', file: await h.file('a.csv', hrCsv([hrLine('E1'), hrLine('E2'), hrLine('E3')])), actor: 'alice' });
    assert.equal(first.status, 'applied', JSON.stringify(first.errors));
    const second = await h.imports.run({
      source: 'hr',
      file: await h.file('b.csv', hrCsv([hrLine('E1', { department: 'Finance' }), hrLine('E2', { status: 'terminated' }), hrLine('E3')])),
      actor: 'alice',
    });
    assert.equal(second.status, 'applied', JSON.stringify(second.errors));
  });

  test('counts each kind of event per UTC day, as the events table has them', async () => {
    const days = await joinersMoversLeaversPerDay(h.store, new Date('2000-01-01T00:00:00Z'));
    const expected = await h.store.query<{ type: string; n: number }>(
      "SELECT type, count(*)::int AS n FROM events WHERE type IN ('identity.joiner', 'identity.mover', 'identity.leaver') GROUP BY type",
    );
    const total = (type: string) => expected.find((r) => r.type === type)?.n ?? 0;
    assert.equal(total('identity.joiner'), 3);
    assert.equal(total('identity.leaver'), 1);
    assert.deepEqual(
      {
        joiners: days.reduce((s, d) => s + d.joiners, 0),
        movers: days.reduce((s, d) => s + d.movers, 0),
        leavers: days.reduce((s, d) => s + d.leavers, 0),
      },
      { joiners: 3, movers: total('identity.mover'), leavers: 1 },
    );
    for (const d of days) assert.match(d.day, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(await joinersMoversLeaversPerDay(h.store, new Date('2999-01-01T00:00:00Z')), []);
  });
});

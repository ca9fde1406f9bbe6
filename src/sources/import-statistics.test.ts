import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';

describeEachStore("the planner's statistics after an import that grows the MUR", (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  const counted = async (table: string) => Number((await h.store.query<{ n: number }>('SELECT reltuples::float8 AS n FROM pg_class WHERE oid = to_regclass($1)', [table]))[0]?.n);
  const people = (from: number, n: number) => Array.from({ length: n }, (_, i) => hrLine(`E${from + i}`, { given_name: `Given${from + i}`, email: `person${from + i}@demo.gov` }));

  test('a first import of 1,500 people leaves identities and source links counted; a run adding 20 more leaves the count as it was', async () => {
    const first = await h.imports.run({ source: 'hr', file: await h.file('day0.csv', hrCsv(people(1, 1500))), actor: 'alice' });
    assert.equal(first.status, 'applied', JSON.stringify(first.errors));
    assert.equal(await counted('identities'), 1500);
    assert.equal(await counted('source_links'), 1500);
    const next = await h.imports.run({ source: 'hr', file: await h.file('day1.csv', hrCsv(people(1, 1520))), actor: 'alice' });
    assert.equal(next.status, 'applied', JSON.stringify(next.errors));
    assert.equal(next.summary.joiners, 20);
    assert.equal(await counted('identities'), 1500, 'twenty is under a tenth');
  });
});

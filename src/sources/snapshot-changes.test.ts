import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { SourceEventService } from './events.ts';

const DAY = 86_400_000;

describeEachStore('snapshots against a MUR that moved on', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 0.5 } });
  let events: SourceEventService;
  const day0 = ['E1', 'E2', 'E3', 'E4', 'E5', 'E6'].map((id) => hrLine(id));

  const person = async (employeeId: string) =>
    (
      await h.store.query<{ status: string; department: string }>(`SELECT status, attributes -> 'department' ->> 'v' AS department FROM identities WHERE attributes -> 'employee_id' ->> 'v' = $1`, [
        employeeId,
      ])
    )[0];

  before(async () => {
    events = new SourceEventService(h.store, h, h.registry);
    const run = await h.imports.run({ source: 'hr', file: await h.file('day0.csv', hrCsv(day0)), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
  });

  test('a person dropped from one snapshot and back, unchanged, in the next is rehired', async () => {
    h.clock.advance(DAY);
    const dropped = await h.imports.run({ source: 'hr', file: await h.file('day1.csv', hrCsv(day0.filter((l) => !l.startsWith('E6,')))), actor: 'alice' });
    assert.equal(dropped.summary.absent, 1);
    assert.equal((await person('E6'))?.status, 'terminated');
    h.clock.advance(DAY);
    const back = await h.imports.run({ source: 'hr', file: await h.file('day2.csv', hrCsv(day0)), actor: 'alice' });
    assert.equal(back.status, 'applied', JSON.stringify(back.errors));
    assert.equal(back.summary.rehires, 1);
    assert.equal(back.summary.unchanged, 5);
    assert.equal((await person('E6'))?.status, 'active');
  });

  test('confirming a held snapshot after the MUR changed is refused, naming what changed, and applies nothing', async () => {
    h.clock.advance(DAY);
    const held = await h.imports.run({ source: 'hr', file: await h.file('trunc.csv', hrCsv([hrLine('E1', { department: 'Audit' })])), actor: 'alice' });
    assert.equal(held.status, 'held');
    h.clock.advance(DAY);
    await events.apply('hr', { type: 'mover', effectiveAt: h.clock.now().toISOString(), record: { employee_id: 'E1', department: 'Legal' } }, 'hr-system', 'late-1');
    await events.apply('hr', { type: 'mover', effectiveAt: h.clock.now().toISOString(), record: { employee_id: 'E2', job_title: 'Lead' } }, 'hr-system', 'late-2');
    h.clock.advance(DAY);
    await assert.rejects(h.imports.confirm(held.id, 'carol'), (e: any) => {
      assert.equal(e.code, 'MUSTER_ERR_IMPORT_STATE');
      assert.match(e.message, /2 identities .* changed since/);
      assert.deepEqual(
        e.details.map((d: any) => d.key),
        ['E1', 'E2'],
      );
      assert.ok(
        e.details.every((d: any) => d.message.startsWith('identity.mover since the run was held')),
        JSON.stringify(e.details),
      );
      return true;
    });
    assert.equal((await person('E1'))?.department, 'Legal');
    assert.equal((await person('E4'))?.status, 'active');
    const [run] = await h.store.query<{ status: string }>('SELECT status FROM import_runs WHERE id = $1', [held.id]);
    assert.equal(run?.status, 'refused');
  });

  test('a held snapshot confirmed while the MUR is as it was is applied', async () => {
    h.clock.advance(DAY);
    const held = await h.imports.run({ source: 'hr', file: await h.file('trunc2.csv', hrCsv([hrLine('E1'), hrLine('E2', { department: 'Legal' })])), actor: 'alice' });
    assert.equal(held.status, 'held', JSON.stringify(held.summary));
    h.clock.advance(DAY);
    const confirmed = await h.imports.confirm(held.id, 'carol');
    assert.equal(confirmed.status, 'applied', JSON.stringify(confirmed.errors));
    assert.equal((await person('E4'))?.status, 'terminated');
  });
});

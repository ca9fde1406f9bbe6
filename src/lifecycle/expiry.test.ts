import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness, hrCsv, hrLine } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { expireNonPersonEntities } from './expiry.ts';
import { count, identityByKey, npeCsv, npeRow } from './test-fixtures.ts';

describeEachStore('NPE expiry sweep', (factory) => {
  const h = useHarness(factory);
  before(async () => {
    const hr = await h.imports.run({ source: 'hr', file: await h.file('hr.csv', hrCsv([hrLine('E1')])), actor: 'alice' });
    assert.equal(hr.status, 'applied', JSON.stringify(hr.errors));
    // the clock stands at 2026-03-02T09:00Z
    const rows = [
      npeRow('N1', 'E1', '2026-02-01'),
      npeRow('N2', 'E1', '2026-03-02'),
      npeRow('N3', 'E1', '2026-03-03'),
      npeRow('N4', 'E1', '2026-01-15', 'suspended'),
      npeRow('N5', 'E1', '2027-01-01'),
    ];
    const run = await h.imports.run({ source: 'npe', file: await h.file('npe.csv', npeCsv(rows)), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
  });

  test('disables NPEs past their expiry day (suspended) and leaves the others alone', async () => {
    assert.deepEqual(await expireNonPersonEntities(h.store, h), { disabled: 1 });
    const status = async (k: string) => (await identityByKey(h.store, 'npe_id', k)).status;
    assert.deepEqual(await Promise.all(['N1', 'N2', 'N3', 'N4', 'N5'].map(status)), ['suspended', 'active', 'active', 'suspended', 'active']);
    assert.equal((await identityByKey(h.store, 'employee_id', 'E1')).status, 'active');
    const n1 = await identityByKey(h.store, 'npe_id', 'N1');
    const history = await h.store.query<{ from_status: string; to_status: string; reason: string; source: string; event_id: number }>(
      'SELECT from_status, to_status, reason, source, event_id FROM status_history WHERE identity_id = $1 ORDER BY id',
      [n1.id],
    );
    assert.deepEqual(
      history.map((r) => `${r.from_status}>${r.to_status}`),
      ['null>active', 'active>suspended'],
    );
    assert.equal(history[1]?.reason, 'expired on 2026-02-01');
    assert.equal(history[1]?.source, 'lifecycle');
    const [event] = await h.store.query<{ id: number; type: string }>(`SELECT id, type FROM events WHERE identity_id = $1 ORDER BY id DESC LIMIT 1`, [n1.id]);
    assert.equal(event?.type, 'identity.suspended');
    assert.equal(history[1]?.event_id, event?.id);
    assert.equal(await count(h.store, `audit_log WHERE action = 'identity.suspended' AND actor = 'muster:lifecycle' AND target = $1`, [n1.id]), 1);
  });

  test('a second sweep changes nothing; a later one takes the NPE whose last valid day has passed', async () => {
    const events = await count(h.store, 'events');
    assert.deepEqual(await expireNonPersonEntities(h.store, h), { disabled: 0 });
    assert.equal(await count(h.store, 'events'), events);
    h.clock.set('2026-03-03T00:00:00Z');
    assert.deepEqual(await expireNonPersonEntities(h.store, h, { batchSize: 1 }), { disabled: 1 });
    assert.equal((await identityByKey(h.store, 'npe_id', 'N2')).status, 'suspended');
    assert.equal((await identityByKey(h.store, 'npe_id', 'N3')).status, 'active');
  });

  test('the NPE registry renews an expired NPE with a new date', async () => {
    const rows = [
      npeRow('N1', 'E1', '2027-02-01'),
      npeRow('N2', 'E1', '2026-03-02'),
      npeRow('N3', 'E1', '2026-03-03'),
      npeRow('N4', 'E1', '2026-01-15', 'suspended'),
      npeRow('N5', 'E1', '2027-01-01'),
    ];
    const run = await h.imports.run({ source: 'npe', file: await h.file('npe-renew.csv', npeCsv(rows)), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    assert.equal(run.summary.returns, 1);
    assert.equal((await identityByKey(h.store, 'npe_id', 'N1')).status, 'active');
  });
});

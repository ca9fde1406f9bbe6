import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness, hrCsv, hrLine } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { SPONSOR_MISSING, SPONSOR_REASSIGNED } from './sponsor-left.ts';
import { count, identityByKey, npeCsv, npeRow, testWorker } from './test-fixtures.ts';

const people = (over: Record<string, Record<string, string>> = {}) =>
  hrCsv(['E1', 'E2', 'E3', 'E4', 'E5', 'E6'].map((id) => hrLine(id, { manager: id === 'E2' ? 'E1' : id === 'E5' ? 'E6' : '', ...over[id] })));

describeEachStore('NPE sponsor hand-over', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  before(async () => {
    const hr = await h.imports.run({ source: 'hr', file: await h.file('hr0.csv', people({ E6: { status: 'leave', leave_type: 'medical' } })), actor: 'alice' });
    assert.equal(hr.status, 'applied', JSON.stringify(hr.errors));
    const npes = npeCsv([npeRow('N1', 'E2'), npeRow('N2', 'E2'), npeRow('N3', 'E3'), npeRow('N4', 'E4'), npeRow('N5', 'E5')]);
    const run = await h.imports.run({ source: 'npe', file: await h.file('npe0.csv', npes), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    assert.equal(run.summary.joiners, 5);
    await testWorker(h).runOnce();
  });

  test("a leaver's NPEs go to the leaver's active manager; with no active manager they are flagged", async () => {
    h.clock.advance(3_600_000);
    const hr = await h.imports.run({
      source: 'hr',
      file: await h.file('hr1.csv', people({ E2: { status: 'terminated' }, E3: { status: 'terminated' }, E5: { status: 'terminated' }, E6: { status: 'leave', leave_type: 'medical' } })),
      actor: 'alice',
    });
    assert.equal(hr.status, 'applied', JSON.stringify(hr.errors));
    assert.equal(await count(h.store, `jobs WHERE kind = 'npe.sponsor-left' AND status = 'pending'`), 3);
    const worker = testWorker(h);
    assert.deepEqual(
      await worker.runOnce(),
      { claimed: 21, done: 21, retried: 0, dead: 0 },
      'three each of the seven jobs a leaver queues (operator tokens, sessions, signals, access, NPEs, credentials, RP provisioning)',
    );

    const [e1, e2, e3, e4, e5] = await Promise.all(['E1', 'E2', 'E3', 'E4', 'E5'].map((k) => identityByKey(h.store, 'employee_id', k)));
    for (const key of ['N1', 'N2']) {
      const npe = await identityByKey(h.store, 'npe_id', key);
      assert.equal(npe.sponsor_id, e1?.id, `${key} goes to E1`);
      assert.deepEqual(npe.flags, [SPONSOR_REASSIGNED]);
      assert.equal(npe.status, 'active');
    }
    const n3 = await identityByKey(h.store, 'npe_id', 'N3');
    assert.equal(n3.sponsor_id, e3?.id, 'no manager on record: sponsor kept');
    assert.deepEqual(n3.flags, [SPONSOR_MISSING]);
    const n5 = await identityByKey(h.store, 'npe_id', 'N5');
    assert.equal(n5.sponsor_id, e5?.id, 'manager on leave is not active: sponsor kept');
    assert.deepEqual(n5.flags, [SPONSOR_MISSING]);
    const n4 = await identityByKey(h.store, 'npe_id', 'N4');
    assert.equal(n4.sponsor_id, e4?.id);
    assert.deepEqual(n4.flags, []);

    const events = await h.store.query<{ identity_id: string; payload: { from: string; to: string; reason: string; flag: string } }>(
      `SELECT identity_id, payload FROM events WHERE type = 'identity.sponsor-changed' ORDER BY id`,
    );
    assert.equal(events.length, 4);
    const n1 = await identityByKey(h.store, 'npe_id', 'N1');
    const forN1 = events.find((e) => e.identity_id === n1.id);
    assert.equal(forN1?.payload.from, e2?.id);
    assert.equal(forN1?.payload.to, e1?.id);
    assert.match(forN1?.payload.reason ?? '', /sponsor E2 left; handed to manager E1/);
    assert.equal(await count(h.store, `audit_log WHERE action = 'identity.sponsor-changed' AND actor = 'muster:lifecycle'`), 4);
    const correlations = await h.store.query<{ correlation_id: string }>(`SELECT DISTINCT correlation_id FROM events WHERE type IN ('identity.leaver', 'identity.sponsor-changed')`);
    assert.equal(correlations.length, 1, 'the hand-over carries the correlation id of the import that caused it');
  });

  test('the NPE registry still naming the leaver does not undo the hand-over', async () => {
    const e1 = await identityByKey(h.store, 'employee_id', 'E1');
    const renewed = npeCsv([npeRow('N1', 'E2', '2028-06-30'), npeRow('N2', 'E2'), npeRow('N3', 'E3'), npeRow('N4', 'E4'), npeRow('N5', 'E5')]);
    const run = await h.imports.run({ source: 'npe', file: await h.file('npe-renewed.csv', renewed), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    const n1 = await identityByKey(h.store, 'npe_id', 'N1');
    assert.equal(n1.sponsor_id, e1.id);
    const [expiry] = await h.store.query<{ d: string }>(`SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d FROM identities WHERE id = $1`, [n1.id]);
    assert.equal(expiry?.d, '2028-06-30');
    const refused = await h.imports.run({ source: 'npe', file: await h.file('npe-new.csv', `${renewed.trimEnd()}\n${npeRow('N9', 'E2').join(',')}\n`), actor: 'alice' });
    assert.equal(refused.status, 'refused');
    assert.match(refused.errors[0]?.message ?? '', /sponsor E2 is not an active identity/);
  });

  test('running the same jobs again changes nothing', async () => {
    await testWorker(h).runOnce();
    const before = {
      events: await count(h.store, 'events'),
      audit: await count(h.store, 'audit_log'),
      n1: await identityByKey(h.store, 'npe_id', 'N1'),
      n3: await identityByKey(h.store, 'npe_id', 'N3'),
    };
    await h.store.query(`UPDATE jobs SET status = 'pending', attempts = 0 WHERE kind = 'npe.sponsor-left'`);
    assert.deepEqual(await testWorker(h).runOnce(), { claimed: 3, done: 3, retried: 0, dead: 0 });
    assert.equal(await count(h.store, 'events'), before.events);
    assert.equal(await count(h.store, 'audit_log'), before.audit);
    assert.equal((await identityByKey(h.store, 'npe_id', 'N1')).version, before.n1.version);
    assert.equal((await identityByKey(h.store, 'npe_id', 'N3')).version, before.n3.version);
  });

  test('a leaver rehired before the job runs keeps their NPEs', async () => {
    h.clock.advance(3_600_000);
    const terminated = await h.imports.run({
      source: 'hr',
      file: await h.file(
        'hr2.csv',
        people({
          E2: { status: 'terminated' },
          E3: { status: 'terminated' },
          E4: { status: 'terminated', manager: 'E1' },
          E5: { status: 'terminated' },
          E6: { status: 'leave', leave_type: 'medical' },
        }),
      ),
      actor: 'alice',
    });
    assert.equal(terminated.summary.leavers, 1);
    const rehired = await h.imports.run({
      source: 'hr',
      file: await h.file(
        'hr3.csv',
        people({ E2: { status: 'terminated' }, E3: { status: 'terminated' }, E4: { manager: 'E1' }, E5: { status: 'terminated' }, E6: { status: 'leave', leave_type: 'medical' } }),
      ),
      actor: 'alice',
    });
    assert.equal(rehired.summary.rehires, 1);
    assert.equal((await testWorker(h).runOnce()).dead, 0);
    assert.equal(await count(h.store, `jobs WHERE kind IN ('npe.sponsor-left', 'credentials.terminate') AND status <> 'done'`), 0);
    const e4 = await identityByKey(h.store, 'employee_id', 'E4');
    const n4 = await identityByKey(h.store, 'npe_id', 'N4');
    assert.equal(n4.sponsor_id, e4.id);
    assert.deepEqual(n4.flags, []);
  });
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { SourceEventService } from '../sources/events.ts';
import { listActiveHolds, placeHold, releaseHold } from './holds.ts';
import { count } from './test-fixtures.ts';

const HOUR = 3_600_000;

describeEachStore('identity holds: suspended now, no source lifts them, released by another actor', (factory) => {
  const h = useHarness(factory, { sources: { hr: { kind: 'hr', authoritative: ['USER', 'ROLE', 'STATUS'], mayCreate: true } } });
  let events: SourceEventService;
  const ids: Record<string, string> = {};
  const at = (hours: number) => new Date(h.clock.now().getTime() + hours * HOUR).toISOString().replace('Z', '+00:00');
  const person = async (key: string) =>
    (
      await h.store.query<{ id: string; status: string; department: string; job_title: string }>(
        `SELECT id, status, attributes -> 'department' ->> 'v' AS department, attributes -> 'job_title' ->> 'v' AS job_title FROM identities WHERE attributes -> 'employee_id' ->> 'v' = $1`,
        [key],
      )
    )[0] as { id: string; status: string; department: string; job_title: string };

  before(async () => {
    events = new SourceEventService(h.store, h, h.registry);
    const run = await h.imports.run({ source: 'hr', file: await h.file('day0.csv', hrCsv(['E1', 'E2', 'E3'].map((id) => hrLine(id)))), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    for (const key of ['E1', 'E2', 'E3']) ids[key] = (await person(key)).id;
    h.clock.advance(24 * HOUR);
  });

  test('a hold suspends at once through identity.suspended with urgent jobs, and is recorded and audited; a second hold is refused', async () => {
    const hold = await placeHold(h.store, h, ids.E1 as string, 'credential misuse under review', 'officer-a');
    assert.equal(hold.placedBy, 'officer-a');
    assert.equal(hold.reason, 'credential misuse under review');
    assert.equal(hold.priorStatus, 'active');
    assert.equal((await person('E1')).status, 'suspended');
    const [event] = await h.store.query<{ id: number; type: string }>(`SELECT id, type FROM events WHERE identity_id = $1 ORDER BY id DESC LIMIT 1`, [ids.E1]);
    assert.equal(event?.type, 'identity.suspended');
    const jobs = await h.store.query<{ priority: number }>('SELECT priority FROM jobs WHERE event_id = $1', [event?.id]);
    assert.ok(jobs.length > 0, 'the suspension queues jobs');
    assert.ok(
      jobs.every((j) => j.priority === 0),
      'urgent jobs',
    );
    assert.equal(await count(h.store, `audit_log WHERE action = 'identity.hold_placed' AND actor = 'officer-a' AND target = $1`, [ids.E1]), 1);
    assert.equal(await count(h.store, `audit_log WHERE action = 'identity.suspended' AND actor = 'officer-a' AND target = $1`, [ids.E1]), 1);
    await assert.rejects(placeHold(h.store, h, ids.E1 as string, 'again', 'officer-b'), (e: any) => e.code === 'MUSTER_ERR_CONFLICT');
    assert.deepEqual(
      (await listActiveHolds(h.store)).map((x) => x.identityId),
      [ids.E1],
    );
  });

  test('a snapshot listing the held person active leaves them suspended, applies the rest and reports it', async () => {
    const run = await h.imports.run({ source: 'hr', file: await h.file('day1.csv', hrCsv([hrLine('E1', { department: 'Legal' }), hrLine('E2'), hrLine('E3')])), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    assert.equal(run.summary.onHold, 1);
    const e1 = await person('E1');
    assert.equal(e1.status, 'suspended');
    assert.equal(e1.department, 'Legal');
  });

  test('an HR return event leaves a held person suspended and says so', async () => {
    await placeHold(h.store, h, ids.E2 as string, 'insider threat referral', 'officer-a');
    const outcome = await events.apply('hr', { type: 'return', effectiveAt: at(-1), record: { employee_id: 'E2', status: 'active', job_title: 'Auditor' } }, 'hr-system', 'r1');
    assert.equal(outcome.held, true);
    assert.match(outcome.message, /held/);
    const e2 = await person('E2');
    assert.equal(e2.status, 'suspended');
    assert.equal(e2.job_title, 'Auditor');
  });

  test('a leaver still terminates a held person', async () => {
    await placeHold(h.store, h, ids.E3 as string, 'lost badge, suspected theft', 'officer-a');
    const outcome = await events.apply('hr', { type: 'leaver', effectiveAt: at(-1), record: { employee_id: 'E3', status: 'terminated' } }, 'hr-system', 'l1');
    assert.equal(outcome.held, false);
    assert.equal((await person('E3')).status, 'terminated');
  });

  test('the actor who placed a hold cannot release it (refused and audited); another returns the person to what HR says', async () => {
    await assert.rejects(releaseHold(h.store, h, ids.E1 as string, 'cleared', 'officer-a'), (e: any) => e.code === 'MUSTER_ERR_FORBIDDEN' && /another actor/.test(e.message));
    assert.equal(await count(h.store, `audit_log WHERE action = 'identity.hold_release_refused' AND actor = 'officer-a' AND target = $1`, [ids.E1]), 1);
    assert.equal((await person('E1')).status, 'suspended');
    const released = await releaseHold(h.store, h, ids.E1 as string, 'cleared by review board', 'officer-b');
    assert.equal(released.releasedBy, 'officer-b');
    assert.equal((await person('E1')).status, 'active');
    assert.equal(await count(h.store, `audit_log WHERE action = 'identity.hold_released' AND actor = 'officer-b' AND target = $1`, [ids.E1]), 1);
    assert.ok(!(await listActiveHolds(h.store)).some((x) => x.identityId === ids.E1));
    await assert.rejects(releaseHold(h.store, h, ids.E1 as string, 'again', 'officer-b'), (e: any) => e.code === 'MUSTER_ERR_NOT_FOUND');
  });
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { SourceEventService } from './events.ts';

const HOUR = 3_600_000;

describeEachStore('HR events: effective times, unknown fields and people, duplicates, refusals audited', (factory) => {
  const h = useHarness(factory, { sources: { hr: { kind: 'hr', authoritative: ['USER', 'ROLE', 'STATUS'], mayCreate: true }, vetting: { kind: 'vetting', authoritative: ['TRUST'] } } });
  let events: SourceEventService;
  /** An effective time `hours` from the harness clock's now (negative: in the past). */
  const at = (hours: number) => new Date(h.clock.now().getTime() + hours * HOUR).toISOString().replace('Z', '+00:00');

  const person = async (employeeId: string) =>
    (
      await h.store.query<{ status: string; department: string; job_title: string }>(
        `SELECT status, attributes -> 'department' ->> 'v' AS department, attributes -> 'job_title' ->> 'v' AS job_title FROM identities WHERE attributes -> 'employee_id' ->> 'v' = $1`,
        [employeeId],
      )
    )[0];
  const refusals = async () => h.store.query<{ reason: string; data: any }>(`SELECT reason, data FROM audit_log WHERE action = 'source.refused' ORDER BY seq`);

  before(async () => {
    events = new SourceEventService(h.store, h, h.registry);
    const run = await h.imports.run({ source: 'hr', file: await h.file('day0.csv', hrCsv(['E1', 'E2', 'E3', 'E4', 'E5'].map((id) => hrLine(id)))), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    h.clock.advance(24 * HOUR);
  });

  test('an event needs an effective time with its offset; the refusal names the field', async () => {
    await assert.rejects(
      events.apply('hr', { type: 'mover', record: { employee_id: 'E1', department: 'Legal' } } as any, 'hr-system', 'e1'),
      (e: any) => e.code === 'MUSTER_ERR_VALIDATION' && e.details[0].field === 'effectiveAt',
    );
    await assert.rejects(
      events.apply('hr', { type: 'mover', effectiveAt: '2026-03-03T08:00:00', record: { employee_id: 'E1', department: 'Legal' } }, 'hr-system', 'e2'),
      (e: any) => e.code === 'MUSTER_ERR_VALIDATION' && e.details[0].field === 'effectiveAt' && /offset/.test(e.message),
    );
    await assert.rejects(
      events.apply('hr', { type: 'mover', effectiveAt: at(2), record: { employee_id: 'E1', department: 'Legal' } }, 'hr-system', 'e3'),
      (e: any) => e.code === 'MUSTER_ERR_VALIDATION' && /future/.test(e.message),
    );
    assert.equal((await person('E1'))?.department, 'Finance');
  });

  test('unknown fields are refused, named, not dropped', async () => {
    await assert.rejects(events.apply('hr', { type: 'mover', effectiveAt: at(-1), record: { employee_id: 'E1', department: 'Legal', dept_code: 'L7' } }, 'hr-system', 'e4'), (e: any) => {
      assert.equal(e.code, 'MUSTER_ERR_VALIDATION');
      assert.deepEqual(
        e.details.map((d: any) => d.field),
        ['record.dept_code'],
      );
      return true;
    });
    await assert.rejects(events.apply('hr', { type: 'mover', effectiveAt: at(-1), record: { employee_id: 'E1' }, reason: 'x' } as any, 'hr-system', 'e5'), (e: any) => e.details[0].field === 'reason');
    assert.equal((await person('E1'))?.department, 'Finance');
  });

  test('a mover dated before a leaver, delivered after it, does not bring the leaver back', async () => {
    const leaver = await events.apply('hr', { type: 'leaver', effectiveAt: at(-2), record: { employee_id: 'E2', status: 'terminated' } }, 'hr-system', 'e6');
    assert.deepEqual(
      leaver.events.map((e) => e.type),
      ['identity.leaver'],
    );
    const late = await events.apply('hr', { type: 'mover', effectiveAt: at(-3), record: { employee_id: 'E2', department: 'Legal', status: 'active' } }, 'hr-system', 'e7');
    assert.deepEqual(late.superseded, ['status']);
    const e2 = await person('E2');
    assert.equal(e2?.status, 'terminated');
    assert.equal(e2?.department, 'Legal', "the department was still the late event's to decide");
    h.clock.advance(HOUR);
    const rehire = await events.apply('hr', { type: 'rehire', effectiveAt: at(0), record: { employee_id: 'E2', status: 'active' } }, 'hr-system', 'e7c');
    assert.deepEqual(
      rehire.events.map((e) => e.type),
      ['identity.rehire'],
    );
    const lateLeaver = await events.apply('hr', { type: 'leaver', effectiveAt: at(-2), record: { employee_id: 'E2', status: 'terminated', location: 'Denver, CO' } }, 'hr-system', 'e7d');
    assert.deepEqual(lateLeaver.superseded, ['status']);
    assert.deepEqual(
      lateLeaver.events.map((e) => e.type),
      ['identity.mover'],
    );
    assert.equal((await person('E2'))?.status, 'active', 'the rehire came after the leaver took effect');
  });

  test('a status move muster made itself does not hide a late termination from the source', async () => {
    const [e5] = await h.store.query<{ id: string }>(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E5'`);
    await h.store.query(`UPDATE identities SET status = 'suspended', version = version + 1 WHERE id = $1`, [e5?.id]);
    await h.store.query(`INSERT INTO status_history (identity_id, from_status, to_status, reason, source, at) VALUES ($1, 'active', 'suspended', 'test', 'lifecycle', $2)`, [e5?.id, h.clock.now()]);
    const late = await events.apply('hr', { type: 'leaver', effectiveAt: at(-3), record: { employee_id: 'E5', status: 'terminated' } }, 'hr-system', 'e7b');
    assert.deepEqual(late.superseded, []);
    assert.equal((await person('E5'))?.status, 'terminated');
  });

  test('an attribute change older than the value on record does not overwrite it', async () => {
    await events.apply('hr', { type: 'mover', effectiveAt: at(-1), record: { employee_id: 'E3', job_title: 'Lead' } }, 'hr-system', 'e8');
    const late = await events.apply('hr', { type: 'mover', effectiveAt: at(-5), record: { employee_id: 'E3', job_title: 'Senior', department: 'Audit' } }, 'hr-system', 'e9');
    assert.deepEqual(late.superseded, ['job_title']);
    assert.deepEqual(
      late.events.map((e) => e.type),
      ['identity.mover'],
    );
    const e3 = await person('E3');
    assert.equal(e3?.job_title, 'Lead');
    assert.equal(e3?.department, 'Audit');
    const older = await events.apply('hr', { type: 'mover', effectiveAt: at(-48), record: { employee_id: 'E3', department: 'Ops' } }, 'hr-system', 'e10');
    assert.deepEqual(older.superseded, ['department'], 'the snapshot of a day ago is newer than this');
    assert.equal(older.changed, false);
  });

  test('a vetting event older than the vetting record on file changes nothing; a newer one applies', async () => {
    const snapshot = 'employee_id,eligibility,status,investigation_type,adjudication_date,continuous_vetting\nE1,favorable,current,Tier 5,2024-05-01,Y\n';
    const run = await h.imports.run({ source: 'vetting', file: await h.file('vetting.csv', snapshot), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    const eligibility = async () =>
      (await h.store.query<{ eligibility: string }>(`SELECT t.eligibility FROM trust t JOIN identities i ON i.id = t.identity_id WHERE i.attributes -> 'employee_id' ->> 'v' = 'E1'`))[0]?.eligibility;
    const late = await events.apply('vetting', { effectiveAt: at(-1), record: { employee_id: 'E1', eligibility: 'unfavorable', status: 'revoked' } }, 'vetting-system', 'v1');
    assert.equal(late.changed, false);
    assert.deepEqual(late.superseded, ['eligibility', 'status']);
    assert.equal(await eligibility(), 'favorable');
    const current = await events.apply('vetting', { effectiveAt: at(0), record: { employee_id: 'E1', eligibility: 'unfavorable', status: 'revoked' } }, 'vetting-system', 'v2');
    assert.deepEqual(
      current.events.map((e) => e.type),
      ['trust.changed', 'trust.withdrawn'],
    );
    assert.equal(await eligibility(), 'unfavorable');
  });

  test('a record that means a suspension, sent as an update, is refused naming the type to send; as a suspension it is applied', async () => {
    await assert.rejects(
      events.apply('hr', { type: 'update', effectiveAt: at(-1), record: { employee_id: 'E3', status: 'suspended' } }, 'hr-system', 'e20'),
      (e: any) => e.code === 'MUSTER_ERR_CONFLICT' && /send it as type 'suspension'/.test(e.message) && e.details[0].field === 'type',
    );
    assert.equal((await person('E3'))?.status, 'active', 'nothing was applied');
    const applied = await events.apply('hr', { type: 'suspension', effectiveAt: at(-1), record: { employee_id: 'E3', status: 'suspended' } }, 'hr-system', 'e21');
    assert.deepEqual(
      applied.events.map((e) => e.type),
      ['identity.suspended'],
    );
    assert.equal((await person('E3'))?.status, 'suspended');
  });

  test('a duplicate leaver is acknowledged, saying nothing changed', async () => {
    const first = await events.apply('hr', { type: 'leaver', effectiveAt: at(-1), record: { employee_id: 'E4', status: 'terminated' } }, 'hr-system', 'e11');
    assert.equal(first.changed, true);
    const again = await events.apply('hr', { type: 'leaver', effectiveAt: at(-1), record: { employee_id: 'E4', status: 'terminated' } }, 'hr-system', 'e12');
    assert.equal(again.changed, false);
    assert.deepEqual(again.events, []);
    assert.match(again.message ?? '', /nothing changed/);
  });

  test('an event for nobody says there is no identity with that employee_id, naming the field', async () => {
    await assert.rejects(events.apply('hr', { type: 'mover', effectiveAt: at(-1), record: { employee_id: 'E404', department: 'Legal' } }, 'hr-system', 'e13'), (e: any) => {
      assert.equal(e.code, 'MUSTER_ERR_NOT_FOUND');
      assert.match(e.message, /no identity with employee_id E404/);
      assert.equal(e.details[0].field, 'record.employee_id');
      return true;
    });
  });

  test('refused events are audited, with the reason and the fields', async () => {
    const entries = await refusals();
    assert.ok(
      entries.some((r) => r.data.code === 'MUSTER_ERR_VALIDATION' && r.data.fields.includes('record.dept_code')),
      JSON.stringify(entries),
    );
    assert.ok(entries.some((r) => r.data.code === 'MUSTER_ERR_NOT_FOUND' && r.data.key === 'E404'));
    assert.ok(entries.some((r) => r.data.fields.includes('effectiveAt')));
  });

  test('refusals are audited in bounded volume: past the limit they are counted, and the count is audited next', async () => {
    h.clock.advance(HOUR);
    const before = (await refusals()).length;
    for (let i = 0; i < 30; i++) await assert.rejects(events.apply('hr', { type: 'mover', effectiveAt: at(-1), record: { employee_id: 'E1', colour: 'red' } }, 'hr-system', `flood-${i}`));
    const during = (await refusals()).length - before;
    assert.equal(during, SourceEventService.REFUSALS_AUDITED_PER_MINUTE);
    h.clock.advance(HOUR);
    await assert.rejects(events.apply('hr', { type: 'mover', effectiveAt: at(-1), record: { employee_id: 'E1', colour: 'red' } }, 'hr-system', 'after-flood'));
    const last = (await refusals()).at(-1);
    assert.equal(last?.data.suppressed_before, 30 - SourceEventService.REFUSALS_AUDITED_PER_MINUTE);
  });
});

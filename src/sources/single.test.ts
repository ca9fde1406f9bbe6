import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import { useHarness, hrCsv, hrLine } from '../../test/support/muster.ts';
import { decodeAttributes } from '../mur/attribute-codec.ts';
import { DisputeService } from './disputes.ts';

const AT = '2026-03-02T04:00:00-05:00';
import { SourceEventService } from './events.ts';

describeEachStore('HR events over REST, disputes, vetting and training, authority', (factory) => {
  const h = useHarness(factory, {
    import: { massChangeShare: 0.5 },
    sources: {
      hr: { kind: 'hr', authoritative: ['USER', 'ROLE', 'STATUS'], mayCreate: true },
      payroll: { kind: 'hr', authoritative: ['ROLE'] },
      vetting: { kind: 'vetting', authoritative: ['TRUST'] },
      training: { kind: 'training', authoritative: ['BEHAVE'] },
      lms2: { kind: 'training', authoritative: ['ROLE'] },
    },
  });
  let events: SourceEventService;
  let disputes: DisputeService;
  before(async () => {
    events = new SourceEventService(h.store, h, h.registry);
    disputes = new DisputeService(h.store, h, h.registry);
    await h.imports.run({ source: 'hr', file: await h.file('d0.csv', hrCsv([hrLine('E1'), hrLine('E2', { manager: 'E1' }), hrLine('E3')])), actor: 'alice' });
  });

  const identity = async (employeeId: string) =>
    (
      await h.store.query<{ id: string; status: string; attributes: any; provenance: unknown }>(
        `SELECT id, status, attributes, provenance FROM identities WHERE attributes -> 'employee_id' ->> 'v' = $1`,
        [employeeId],
      )
    ).map((r) => ({ ...r, attributes: decodeAttributes(r.attributes, r.provenance) as any }))[0];

  test('a mover event changes only the fields it carries', async () => {
    const out = await events.apply('hr', { effectiveAt: AT, type: 'mover', record: { employee_id: 'E2', department: 'Legal' } }, 'hr-system', 'c1');
    assert.deepEqual(
      out.events.map((e) => e.type),
      ['identity.mover'],
    );
    const e2 = await identity('E2');
    assert.equal(e2?.attributes.department.v, 'Legal');
    assert.equal(e2?.attributes.job_title.v, 'Analyst');
  });

  test('a leaver event terminates through inactive; a wrong type claim is refused and nothing applied', async () => {
    await assert.rejects(events.apply('hr', { effectiveAt: AT, type: 'leaver', record: { employee_id: 'E3', department: 'Ops' } }, 'hr-system', 'c2'), (e: any) => e.code === 'MUSTER_ERR_CONFLICT');
    assert.equal((await identity('E3'))?.attributes.department.v, 'Finance');
    const out = await events.apply('hr', { effectiveAt: AT, type: 'leaver', record: { employee_id: 'E3', status: 'terminated' } }, 'hr-system', 'c3');
    assert.deepEqual(
      out.events.map((e) => e.type),
      ['identity.leaver'],
    );
    assert.equal((await identity('E3'))?.status, 'terminated');
  });

  test('a joiner event needs the full record; an illegal status move is refused with the rule', async () => {
    await assert.rejects(
      events.apply('hr', { effectiveAt: AT, record: { employee_id: 'E9', department: 'X' } }, 'hr', 'c4'),
      (e: any) => e.code === 'MUSTER_ERR_VALIDATION' && e.details.some((d: any) => d.field === 'record.given_name'),
    );
    const joiner = { employee_id: 'E9', given_name: 'Nine', family_name: 'Person', department: 'Finance', user_type: 'contractor', home_agency: '9700', status: 'pending' };
    const out = await events.apply('hr', { effectiveAt: AT, type: 'joiner', record: joiner }, 'hr', 'c5');
    assert.deepEqual(
      out.events.map((e) => e.type),
      ['identity.joiner'],
    );
    assert.equal((await identity('E9'))?.attributes.full_name.v, 'Nine Person');
    await assert.rejects(events.apply('hr', { effectiveAt: AT, record: { employee_id: 'E9', status: 'leave' } }, 'hr', 'c6'), /cannot move from pending to leave/);
  });

  test('a source that is not authoritative for an attribute is refused and the refusal audited', async () => {
    await assert.rejects(
      events.apply('payroll', { effectiveAt: AT, record: { employee_id: 'E1', email: 'new@demo.gov' } }, 'payroll', 'c7'),
      (e: any) => e.code === 'MUSTER_ERR_SOURCE_NOT_AUTHORITATIVE' && e.details[0].field === 'email',
    );
    const [entry] = await h.store.query<{ action: string }>(`SELECT action FROM audit_log WHERE correlation_id = 'c7'`);
    assert.equal(entry?.action, 'source.refused');
    const run = await h.imports.run({
      source: 'payroll',
      file: await h.file('auth.csv', hrCsv([hrLine('E1', { email: 'given1.family1@demo.gov', given_name: 'Renamed', department: 'Audit' })])),
      actor: 'alice',
    });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    assert.equal(run.summary.refusedAttributes, 2, 'given_name and full_name are USER attributes');
    const e1 = await identity('E1');
    assert.equal(e1?.attributes.given_name.v, 'Given1');
    assert.equal(e1?.attributes.department.v, 'Audit');
    assert.equal(e1?.attributes.department.s, 'payroll');
  });

  test('vetting and training feed TRUST and BEHAVE with provenance; unknown people are named', async () => {
    const vetting = 'employee_id,eligibility,status,investigation_type,adjudication_date,continuous_vetting\nE1,favorable,current,Tier 5,2024-05-01,Y\nE2,interim,in_progress,Tier 2,,false\n';
    const run = await h.imports.run({ source: 'vetting', file: await h.file('v.csv', vetting), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    assert.equal(run.summary.changed, 2);
    const [trust] = await h.store.query<any>(`SELECT t.* FROM trust t JOIN identities i ON i.id = t.identity_id WHERE i.attributes -> 'employee_id' ->> 'v' = 'E1'`);
    assert.equal(trust.eligibility, 'favorable');
    assert.equal(trust.continuous_vetting, true);
    assert.equal(trust.source, 'vetting');
    const again = await h.imports.run({ source: 'vetting', file: await h.file('v2.csv', vetting), actor: 'alice' });
    assert.equal(again.summary.unchanged, 2);
    const training = 'employee_id,course,status,completed,expires\nE1,Cyber Awareness,complete,2026-01-10,2027-01-10\nE1,Privacy,overdue,,\nE77,Privacy,complete,2026-01-01,\n';
    const refused = await h.imports.run({ source: 'training', file: await h.file('t.csv', training), actor: 'alice' });
    assert.equal(refused.status, 'refused');
    assert.match(refused.errors.at(-1)?.message ?? '', /no identity with employee_id E77/);
    assert.equal((await h.store.query<{ n: number }>('SELECT count(*)::int AS n FROM behave'))[0]?.n, 0);
    const skipped = await h.imports.run({ source: 'training', file: await h.file('t2.csv', training), actor: 'alice', skipInvalid: true });
    assert.equal(skipped.summary.changed, 2);
  });

  test('a training source without BEHAVE authority changes nothing and is recorded', async () => {
    const run = await h.imports.run({ source: 'lms2', file: await h.file('t3.csv', 'employee_id,course,status,completed,expires\nE2,Privacy,complete,2026-01-01,\n'), actor: 'alice' });
    assert.equal(run.summary.refusedAttributes, 1);
    assert.equal((await h.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'source.attribute_refused' AND data ->> 'key' = 'E2|Privacy'`))[0]?.n, 1);
  });

  test('a disputed case is resolved by a person: linked to the chosen identity, audited with the reason', async () => {
    const lines = [
      hrLine('E1', { department: 'Audit' }),
      hrLine('E2', { department: 'Legal' }),
      hrLine('E3', { status: 'terminated' }),
      hrLine('E9', {
        given_name: 'Nine',
        family_name: 'Person',
        full_name: 'Nine Person',
        email: '',
        department: 'Finance',
        user_type: 'contractor',
        job_title: '',
        component: '',
        location: '',
        affiliations: '',
        hire_date: '',
        status: 'pending',
      }),
      hrLine('E50', { email: 'given2.family2@demo.gov' }),
    ];
    const run = await h.imports.run({ source: 'hr', file: await h.file('dispute.csv', hrCsv(lines)), actor: 'alice' });
    assert.equal(run.summary.disputed, 1);
    const [open] = await disputes.list({ status: 'open' });
    assert.ok(open);
    await assert.rejects(disputes.resolve(open.id, '00000000-0000-4000-8000-000000000000', 'typo', 'bob', 'c9'), (e: any) => e.code === 'MUSTER_ERR_DISPUTE_STATE');
    const resolved = await disputes.resolve(open.id, 'new', 'different person, same shared mailbox', 'bob', 'c10');
    assert.deepEqual(
      resolved.events.map((e) => e.type),
      ['identity.joiner'],
    );
    assert.equal(resolved.dispute.status, 'resolved');
    await assert.rejects(disputes.resolve(open.id, 'new', 'again', 'bob', 'c11'), (e: any) => e.code === 'MUSTER_ERR_DISPUTE_STATE');
    const [entry] = await h.store.query<{ actor: string; reason: string }>(`SELECT actor, reason FROM audit_log WHERE action = 'dispute.resolved'`);
    assert.deepEqual(entry, { actor: 'bob', reason: 'different person, same shared mailbox' });
  });

  test('a held mass termination is applied only when confirmed', async () => {
    const run = await h.imports.run({ source: 'hr', file: await h.file('trunc.csv', hrCsv([hrLine('E1', { department: 'Audit' })])), actor: 'alice' });
    assert.equal(run.status, 'held');
    assert.equal(run.summary.held?.terminations, 3);
    assert.equal((await identity('E2'))?.status, 'active');
    await assert.rejects(h.imports.confirm('00000000-0000-4000-8000-000000000000', 'carol'), (e: any) => ['MUSTER_ERR_NOT_FOUND', 'MUSTER_ERR_IMPORT_STATE'].includes(e.code));
    const confirmed = await h.imports.confirm(run.id, 'carol');
    assert.equal(confirmed.status, 'applied');
    assert.equal((await identity('E2'))?.status, 'terminated');
    await assert.rejects(h.imports.confirm(run.id, 'carol'), (e: any) => e.code === 'MUSTER_ERR_IMPORT_STATE');
  });
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type Harness, hrCsv, hrLine, useHarness } from '../../../test/support/muster.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { MemoryConnector } from '../../connectors/accounts/memory.ts';
import { CardService } from '../../credentials/card-service.ts';
import { PolicyService } from '../../lifecycle/access/policies.ts';
import { reconcileTarget } from '../../lifecycle/reconcile/index.ts';
import { VETTING_HEADER, cardDeps, cardRequest, testCa } from '../../credentials/test-fixtures.ts';
import { identityByKey } from '../../lifecycle/test-fixtures.ts';
import { listIdentities } from '../../mur/identity-repository.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { cdmRecords } from './cdm-export.ts';
import { reportCsv } from './render.ts';
import { runReport } from './reports.ts';

const people = hrCsv([
  hrLine('E1'),
  hrLine('E2'),
  hrLine('E3', { user_type: 'contractor' }),
  hrLine('E4', { user_type: 'contractor', full_name: '"-1 Smith, Jones"' }),
  hrLine('E5', { status: 'leave', leave_type: 'medical' }),
]);
// the harness clock stands at 2026-03-02
const vetting = [
  VETTING_HEADER,
  'E1,favorable,current,Tier 3,2025-11-01,true',
  'E2,favorable,current,Tier 3,2020-01-10,false',
  'E3,favorable,current,Tier 3,2021-03-20,false',
  'E4,favorable,current,Tier 5,2024-06-01,false',
  'E5,unfavorable,current,Tier 3,2025-11-01,false',
].join('\n');
const training = [
  'employee_id,course,status,completed,expires',
  'E1,Cyber Awareness,complete,2025-03-20,2026-03-20',
  'E2,Privacy,overdue,,',
  'E3,Cyber Awareness,complete,2026-01-01,2027-01-01',
  'E4,Cyber Awareness,complete,2025-01-01,2026-01-01',
].join('\n');

const USER_TYPE_SQL = `coalesce(i.attributes->'user_type'->>'v', CASE WHEN i.kind <> 'person' THEN 'non_person' ELSE 'other' END)`;

describeEachStore('governance reports', (factory) => {
  const h: Harness = useHarness(factory, { import: { massChangeShare: 1 } });
  const ids: Record<string, string> = {};

  before(async () => {
    for (const [source, name, text] of [
      ['hr', 'hr.csv', people],
      ['vetting', 'vetting.csv', `${vetting}\n`],
      ['training', 'training.csv', `${training}\n`],
    ] as const) {
      const run = await h.imports.run({ source, file: await h.file(name, text), actor: 'alice' });
      assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    }
    for (const key of ['E1', 'E2', 'E3', 'E4', 'E5']) ids[key] = (await identityByKey(h.store, 'employee_id', key)).id;
    const ca = await testCa(h);
    const cards = new CardService(cardDeps(h, ca));
    const by = { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: 'corr-cards' };
    const active = await cards.issue(await cardRequest(h, ids.E1 as string), by);
    await cards.activate(active.credentialId, by);
    await cards.issue(await cardRequest(h, ids.E3 as string), by); // issued, never activated: not yet a credential in use
    await testOperator(h, ['auditor'], { identityId: ids.E1 as string });
    await testOperator(h, ['security-officer'], { identityId: ids.E2 as string });
  });

  test('phishing-resistant coverage counts active identities per user type as SQL of its own does', async () => {
    const report = await runReport(h.store, h.clock, 'phishing-resistant-coverage');
    const expected = await h.store.query<{ user_type: string; active: number; piv: number; none: number }>(
      `SELECT ${USER_TYPE_SQL} AS user_type, count(*)::int AS active,
              count(c.identity_id)::int AS piv, (count(*) - count(c.identity_id))::int AS none
       FROM identities i
       LEFT JOIN (SELECT DISTINCT identity_id FROM credentials WHERE status = 'active' AND type IN ('piv_card', 'derived_piv_pki', 'derived_piv_fido2')) c ON c.identity_id = i.id
       WHERE i.status = 'active' GROUP BY 1 ORDER BY 1`,
    );
    assert.deepEqual(
      report.rows.map((r) => ({ user_type: r.user_type, active: r.active, piv: r.piv, none: r.none })),
      expected,
    );
    const government = report.rows.find((r) => r.user_type === 'government');
    assert.deepEqual([government?.active, government?.piv, government?.share], [2, 1, 0.5]);
    assert.deepEqual(
      report.rows.find((r) => r.user_type === 'contractor'),
      { user_type: 'contractor', active: 2, piv: 0, derived_pki: 0, fido2: 0, phishing_resistant: 0, none: 2, share: 0 },
    );
  });

  test('privileged-without-piv names the operator who holds no active PIV card', async () => {
    const report = await runReport(h.store, h.clock, 'privileged-without-piv');
    const expected = await h.store.query<{ id: string }>(
      `SELECT DISTINCT r.identity_id AS id FROM operator_roles r JOIN identities i ON i.id = r.identity_id
       WHERE r.revoked_at IS NULL AND i.status NOT IN ('terminated', 'archived')
         AND r.identity_id NOT IN (SELECT identity_id FROM credentials WHERE status = 'active' AND type IN ('piv_card', 'derived_piv_pki', 'derived_piv_fido2'))
       ORDER BY 1`,
    );
    assert.deepEqual(
      report.rows.map((r) => r.identity_id),
      expected.map((r) => r.id),
    );
    // of the seeded people (the card issuance staff are operators without cards too)
    const seeded = new Set(Object.values(ids));
    assert.deepEqual(
      report.rows.filter((r) => seeded.has(r.identity_id as string)).map((r) => [r.identity_id, r.operator_roles]),
      [[ids.E2, 'security-officer']],
    );
  });

  test('lapses: vetting past its reinvestigation or unfavorable, training overdue or expired, and what falls due within the window', async () => {
    const report = await runReport(h.store, h.clock, 'lapses', { within: '30d' });
    const got = report.rows.map((r) => `${r.identity_id}|${r.area}|${r.state}`).sort();
    const training = await h.store.query<{ key: string }>(
      `SELECT b.identity_id || '|training|' || CASE WHEN b.status = 'overdue' OR b.expires < DATE '2026-03-02' THEN 'lapsed' ELSE 'expiring' END AS key
       FROM behave b JOIN identities i ON i.id = b.identity_id
       WHERE i.status NOT IN ('terminated', 'archived') AND (b.status = 'overdue' OR b.expires <= DATE '2026-04-01')`,
    );
    const vetting = await h.store.query<{ key: string }>(
      `SELECT t.identity_id || '|vetting|' || CASE WHEN t.eligibility IN ('unfavorable', 'none') OR t.status IN ('expired', 'revoked')
                                                      OR (NOT t.continuous_vetting AND t.adjudication_date < DATE '2021-03-02') THEN 'lapsed' ELSE 'expiring' END AS key
       FROM trust t JOIN identities i ON i.id = t.identity_id
       WHERE i.status NOT IN ('terminated', 'archived')
         AND (t.eligibility IN ('unfavorable', 'none') OR t.status IN ('expired', 'revoked') OR (NOT t.continuous_vetting AND t.adjudication_date <= DATE '2021-04-01'))`,
    );
    assert.deepEqual(got, [...training, ...vetting].map((r) => r.key).sort());
    assert.deepEqual(
      got,
      [`${ids.E1}|training|expiring`, `${ids.E2}|training|lapsed`, `${ids.E2}|vetting|lapsed`, `${ids.E3}|vetting|expiring`, `${ids.E4}|training|lapsed`, `${ids.E5}|vetting|lapsed`].sort(),
    );
    assert.deepEqual(report.parameters, { today: '2026-03-02', until: '2026-04-01' });
  });

  test('orphans counts the unmatched findings of the latest run of each target, privileged apart', async () => {
    const dir = new MemoryConnector('dir');
    const policies = new PolicyService({ store: h.store, audit: h.audit, clock: h.clock, targets: ['dir'] });
    const admins = {
      kind: 'birthright',
      description: 'nobody yet',
      when: [{ attribute: 'department', in: ['Nowhere'] }],
      grants: [{ target: 'dir', groups: [{ name: 'dir-admins', privileged: true }] }],
    };
    await policies.save('admins', admins, 'alice', 'directory administrators');
    const plant = (key: string, groups: string[]) => dir.plant({ key, correlationId: '', enabled: true, fields: { displayName: key } }, groups);
    const reconcile = () => {
      h.clock.advance(60_000);
      return reconcileTarget({ store: h.store, audit: h.audit, clock: h.clock }, dir, { target: 'dir', accountKey: ['employee_id'], orphanAction: 'report', actor: 'alice', pageSize: 10 });
    };
    plant('ghost', []);
    await reconcile();
    plant('ghost-admin', ['dir-admins']);
    plant('ghost-2', []);
    await reconcile();
    const orphans = await runReport(h.store, h.clock, 'orphans');
    const expected = await h.store.query<{ target: string; orphans: number; privileged_orphans: number }>(
      `SELECT f.target, count(*)::int AS orphans, count(*) FILTER (WHERE f.privileged)::int AS privileged_orphans FROM reconciliation_findings f
       WHERE f.situation = 'unmatched' AND f.run_id = (SELECT id FROM reconciliation_runs r WHERE r.target = f.target AND r.status = 'done' ORDER BY started_at DESC LIMIT 1)
       GROUP BY f.target ORDER BY f.target`,
    );
    assert.deepEqual(
      orphans.rows.map((r) => ({ target: r.target, orphans: r.orphans, privileged_orphans: r.privileged_orphans })),
      expected,
    );
    assert.deepEqual(expected, [{ target: 'dir', orphans: 3, privileged_orphans: 1 }]);
  });

  test('leaver latency is empty where no one left', async () => {
    const latency = await runReport(h.store, h.clock, 'leaver-latency', { since: '2026-01-31T09:00:00Z' });
    assert.deepEqual(latency.rows, []);
    assert.equal(latency.parameters.since, '2026-01-31T09:00:00.000Z');
  });

  test('the CDM export writes every identity as USER and its CRED, BEHAVE and PRIV objects', async () => {
    const records = [];
    for await (const record of cdmRecords(h.store)) records.push(record);
    const counts = await h.store.query<{ object: string; n: number }>(
      `SELECT 'USER' AS object, count(*)::int AS n FROM identities UNION ALL SELECT 'CRED', count(*)::int FROM credentials
       UNION ALL SELECT 'BEHAVE', count(*)::int FROM behave UNION ALL SELECT 'PRIV', count(*)::int FROM privileges`,
    );
    for (const { object, n } of counts) assert.equal(records.filter((r) => r.object === object).length, n, object);
    const e1 = records.filter((r) => r.user_id === ids.E1).map((r) => r.object);
    assert.deepEqual(e1, ['USER', 'CRED', 'BEHAVE', 'PRIV'], "E1's operator role is a privilege of the MUR");
    const priv = records.find((r) => r.user_id === ids.E1 && r.object === 'PRIV') as Record<string, unknown>;
    assert.deepEqual([priv.privilege_type, priv.privilege_status, priv.associated_system], ['auditor', 'active', 'muster']);
  });

  test('a CSV report neutralizes a formula in a name a feed sent', async () => {
    const csv = reportCsv(await runReport(h.store, h.clock, 'cdm-export', { objects: ['USER'] }));
    assert.match(csv, /,"'-1 Smith, Jones",/);
    assert.doesNotMatch(csv, /,"?-1 Smith/);
  });

  test('identity list filters by TRUST, credential, training and privilege, as SQL of its own finds', async () => {
    const list = async (filter: Parameters<typeof listIdentities>[1]) => (await listIdentities(h.store, { ...filter, today: '2026-03-02', limit: 500 })).items.map((i) => i.id);
    const sqlIds = async (where: string) => (await h.store.query<{ id: string }>(`SELECT i.id FROM identities i WHERE ${where} ORDER BY i.id`)).map((r) => r.id);
    const activePiv = `i.id IN (SELECT identity_id FROM credentials WHERE type = 'piv_card' AND status = 'active')`;
    assert.deepEqual(await list({ credential: 'piv' }), await sqlIds(activePiv));
    assert.deepEqual(await list({ credential: 'piv' }), [ids.E1]);
    assert.deepEqual(await list({ credential: 'none' }), await sqlIds(`NOT ${activePiv}`));
    assert.deepEqual(await list({ trust: 'unfavorable' }), [ids.E5]);
    assert.deepEqual(await list({ trust: 'none' }), await sqlIds(`i.id NOT IN (SELECT identity_id FROM trust WHERE eligibility <> 'none')`));
    const lapsed = `i.id IN (SELECT identity_id FROM behave WHERE status = 'overdue' OR expires < DATE '2026-03-02')`;
    assert.deepEqual(await list({ training: 'lapsed' }), await sqlIds(lapsed));
    assert.deepEqual((await list({ training: 'lapsed' })).length, 2);
    assert.deepEqual(await list({ training: 'current' }), await sqlIds(`NOT ${lapsed}`));
    assert.deepEqual(await list({ privileged: true }), await sqlIds(`i.id IN (SELECT identity_id FROM operator_roles WHERE revoked_at IS NULL)`));
    assert.deepEqual(
      (await list({ privileged: true, credential: 'none' })).filter((id) => Object.values(ids).includes(id)),
      [ids.E2],
    );
    await assert.rejects(list({ credential: 'smartcard' }), (e: any) => e.code === 'MUSTER_ERR_VALIDATION' && e.details[0]?.field === 'credential');
  });

  test('an unknown window is refused naming the parameter', async () => {
    await assert.rejects(runReport(h.store, h.clock, 'lapses', { within: 'soon' }), (e: any) => e.code === 'MUSTER_ERR_VALIDATION' && e.details[0]?.field === 'within');
  });
});

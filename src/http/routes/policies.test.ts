import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachStore } from '../../../test/support/stores.ts';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { listAuditEntries } from '../../audit/queries.ts';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { createHttpApp } from '../app.ts';
import type { MusterApp } from '../env.ts';

const LDAP_TARGET = { kind: 'ldap', url: 'ldap://127.0.0.1:1', bindDn: 'cn=a', bindPassword: 'x', usersDn: 'ou=people,dc=x', groupsDn: 'ou=groups,dc=x' };

const staff = (groups: string[]) => ({
  kind: 'birthright',
  description: 'Finance staff',
  when: [{ attribute: 'department', in: ['Finance'] }],
  grants: [{ target: 'ldap', groups: groups.map((name) => ({ name })) }],
});

describeEachStore('HTTP policies', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let token: string;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const call = (method: string, path: string, body?: unknown, auth = true) =>
    app.request(path, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const json = async (res: Response) => (await res.json()) as any;

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', targets: { ldap: LDAP_TARGET } } });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    ({ token } = await testOperator(ctx, ['policy-admin', 'source-feed:hr']));
    app = createHttpApp(ctx);
    const imported = await call('POST', '/api/imports/hr', hrCsv([hrLine('E1'), hrLine('E2'), hrLine('E3', { department: 'Legal' })]));
    assert.equal(imported.status, 200, await imported.clone().text());
  });
  after(() => ctx.close());

  it('refuses every policy route without a token', async () => {
    for (const [method, path] of [
      ['GET', '/api/policies'],
      ['GET', '/api/policies/staff'],
      ['PUT', '/api/policies/staff'],
      ['POST', '/api/policies/staff/disable'],
      ['POST', '/api/policies/dry-run'],
    ] as const) {
      const res = await call(method, path, method === 'GET' ? undefined : {}, false);
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal((await json(res)).error.code, 'MUSTER_ERR_UNAUTHENTICATED');
    }
  });

  it('refuses a bad document with 422 MUSTER_ERR_POLICY naming each field', async () => {
    const unknownAttribute = await call('PUT', '/api/policies/staff', { document: { ...staff([]), when: [{ attribute: 'shoe_size', in: ['9'] }] }, reason: 'try' });
    assert.equal(unknownAttribute.status, 422);
    const error = (await json(unknownAttribute)).error;
    assert.equal(error.code, 'MUSTER_ERR_POLICY');
    assert.deepEqual(
      error.details.map((d: any) => d.field),
      ['when.0.attribute'],
    );
    const unknownTarget = await call('PUT', '/api/policies/staff', { document: { ...staff([]), grants: [{ target: 'nowhere', groups: [] }] }, reason: 'try' });
    assert.equal(unknownTarget.status, 422);
    assert.deepEqual(
      (await json(unknownTarget)).error.details.map((d: any) => d.field),
      ['grants.0.target'],
    );
    const noReason = await call('PUT', '/api/policies/staff', { document: staff([]) });
    assert.equal(noReason.status, 400);
    assert.equal((await json(noReason)).error.details[0].field, 'reason');
    assert.equal((await call('GET', '/api/policies/staff')).status, 404, 'nothing was saved');
  });

  it('saves each PUT as the next version and keeps the history, newest first', async () => {
    const first = await call('PUT', '/api/policies/staff', { document: staff(['staff']), reason: 'Finance gets LDAP' });
    assert.equal(first.status, 201);
    const v1 = (await json(first)).policy;
    assert.deepEqual([v1.version, v1.enabled, v1.kind], [1, true, 'birthright']);
    assert.match(v1.author, /^operator:[0-9a-f-]{36}$/);
    const second = await json(await call('PUT', '/api/policies/staff', { document: staff(['staff', 'finance']), reason: 'and the finance group' }));
    assert.equal(second.policy.version, 2);
    const history = (await json(await call('GET', '/api/policies/staff'))).items;
    assert.deepEqual(
      history.map((p: any) => [p.version, p.reason]),
      [
        [2, 'and the finance group'],
        [1, 'Finance gets LDAP'],
      ],
    );
    assert.deepEqual(history[0].document.grants[0].groups, [
      { name: 'staff', privileged: false },
      { name: 'finance', privileged: false },
    ]);
    const list = (await json(await call('GET', '/api/policies'))).items;
    assert.deepEqual(
      list.map((p: any) => [p.name, p.version]),
      [['staff', 2]],
    );
    const audit = await listAuditEntries(ctx.store, { action: 'policy.saved' });
    assert.equal(audit.length, 2);
  });

  it('disables a policy as a new version, once', async () => {
    const res = await call('POST', '/api/policies/staff/disable', { reason: 'moving to groups per office' });
    assert.equal(res.status, 200);
    const { policy } = await json(res);
    assert.deepEqual([policy.version, policy.enabled], [3, false]);
    assert.deepEqual(
      (await json(await call('GET', '/api/policies'))).items.map((p: any) => p.enabled),
      [false],
    );
    assert.equal((await call('POST', '/api/policies/staff/disable', { reason: 'again' })).status, 409);
    assert.equal((await call('POST', '/api/policies/nosuch/disable', { reason: 'x' })).status, 404);
  });

  it('dry-runs a proposed document: who would get which account and group, nothing changed', async () => {
    const none = await json(await call('POST', '/api/policies/dry-run', {}));
    assert.deepEqual([none.changed, none.changes, none.policies], [0, [], []], 'the only policy is disabled');
    const res = await call('POST', '/api/policies/dry-run', { proposed: { 'finance-ldap': staff(['staff']) } });
    assert.equal(res.status, 200);
    const plan = await json(res);
    assert.deepEqual(plan.policies, [{ name: 'finance-ldap', version: 'proposed' }]);
    assert.deepEqual(plan.summary, { 'ldap.create': 2, 'ldap.grant': 2 });
    assert.deepEqual(plan.changes.map((c: any) => c.label).sort(), ['E1', 'E2'], 'Legal is not matched');
    const e1 = plan.changes.find((c: any) => c.label === 'E1');
    assert.deepEqual(
      e1.change.accounts.map((a: any) => [a.action, a.target, a.key]),
      [['create', 'ldap', 'E1']],
    );
    assert.deepEqual(
      e1.change.granted.map((g: any) => [g.target, g.group]),
      [['ldap', 'staff']],
    );
    assert.equal((await ctx.store.query('SELECT count(*)::int AS n FROM accounts'))[0]?.n, 0, 'a dry run writes nothing');
  });

  it('limits the per-identity list but counts everything, and plans only the identities named', async () => {
    const limited = await json(await call('POST', '/api/policies/dry-run?limit=1', { proposed: { 'finance-ldap': staff(['staff']) } }));
    assert.deepEqual([limited.changes.length, limited.changed, limited.truncated], [1, 2, true]);
    assert.deepEqual(limited.summary, { 'ldap.create': 2, 'ldap.grant': 2 });
    const [row] = await ctx.store.query(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E2'`);
    const one = await json(await call('POST', '/api/policies/dry-run', { proposed: { 'finance-ldap': staff(['staff']) }, identityIds: [row?.id] }));
    assert.deepEqual([one.identities, one.changes.map((c: any) => c.label)], [1, ['E2']]);
    const bad = await call('POST', '/api/policies/dry-run', { proposed: { 'finance-ldap': { kind: 'birthright', description: 'x', grants: [] } } });
    assert.equal(bad.status, 422);
    assert.deepEqual(
      (await json(bad)).error.details.map((d: any) => d.field),
      ['grants'],
    );
  });

  it('documents the policy routes in the OpenAPI document', async () => {
    const doc = await json(await app.request('/openapi.json'));
    for (const path of ['/api/policies', '/api/policies/{name}', '/api/policies/{name}/disable', '/api/policies/dry-run']) assert.ok(doc.paths[path], path);
    assert.ok(doc.paths['/api/policies/{name}'].put.responses['422']);
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachStore } from '../../../test/support/stores.ts';
import { listAuditEntries } from '../../audit/queries.ts';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { createHttpApp } from '../app.ts';
import type { MusterApp } from '../env.ts';

const LDAP_TARGET = { kind: 'ldap', url: 'ldap://127.0.0.1:1', bindDn: 'cn=a', bindPassword: 'x', usersDn: 'ou=people,dc=x', groupsDn: 'ou=groups,dc=x' };

describeEachStore('HTTP catalogue', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let admin: string;
  let reader: string;
  let owner: string;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const call = (token: string, method: string, path: string, body?: unknown) =>
    app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const item = (over: Record<string, unknown> = {}) => ({
    kind: 'group',
    target: 'ldap',
    group: 'ops-admins',
    description: 'Server administration',
    owners: [owner],
    privileged: true,
    maxDays: 30,
    approvals: ['manager', 'owner'],
    ...over,
  });

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', targets: { ldap: LDAP_TARGET } } });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    app = createHttpApp(ctx);
    admin = (await testOperator(ctx, ['policy-admin'])).token;
    const helpdesk = await testOperator(ctx, ['helpdesk']);
    reader = helpdesk.token;
    owner = helpdesk.identityId;
  });
  after(() => ctx.close());

  it('saves versions, audits each, and lets any operator read the catalogue', async () => {
    const first = await call(admin, 'PUT', '/api/catalogue/ops-admins', { document: item(), reason: 'offer server administration' });
    assert.equal(first.status, 201, await first.clone().text());
    const second = await call(admin, 'PUT', '/api/catalogue/ops-admins', { document: item({ maxDays: 14 }), reason: 'shorter' });
    assert.equal(((await second.json()) as any).item.version, 2);
    const listed = (await (await call(reader, 'GET', '/api/catalogue')).json()) as any;
    assert.deepEqual(
      listed.items.map((i: any) => [i.name, i.version, i.document.maxDays, i.document.privileged]),
      [['ops-admins', 2, 14, true]],
    );
    const history = (await (await call(reader, 'GET', '/api/catalogue/ops-admins')).json()) as any;
    assert.deepEqual(
      history.items.map((i: any) => i.version),
      [2, 1],
    );
    const audited = await listAuditEntries(ctx.store, { action: 'catalogue.item-saved' });
    assert.equal(audited.length, 2);
  });

  it('refuses a bad item with 422 MUSTER_ERR_CATALOGUE naming each field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [item({ target: 'nowhere' }), 'target'],
      [item({ approvals: ['auto'] }), 'approvals'],
      [item({ approvals: ['owners:2'] }), 'owners'],
      [item({ privileged: false, activation: 'jit', activationHours: 4 }), 'activation'],
      [item({ owners: ['00000000-0000-4000-8000-000000000001'] }), 'owners'],
      [{ ...item(), kind: 'role', role: 'emperor', target: undefined, group: undefined }, 'role'],
    ];
    for (const [document, field] of cases) {
      const res = await call(admin, 'PUT', '/api/catalogue/bad', { document, reason: 'try' });
      assert.equal(res.status, 422, JSON.stringify(document));
      const body = (await res.json()) as any;
      assert.equal(body.error.code, 'MUSTER_ERR_CATALOGUE');
      assert.ok(
        body.error.details.some((d: any) => d.field === field),
        `${field} in ${JSON.stringify(body.error.details)}`,
      );
    }
  });

  it('disables an item with a reason; only a policy-admin writes', async () => {
    assert.equal((await call(reader, 'PUT', '/api/catalogue/x', { document: item(), reason: 'r' })).status, 403);
    const res = await call(admin, 'POST', '/api/catalogue/ops-admins/disable', { reason: 'retired' });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as any).item.enabled, false);
    assert.equal((await call(admin, 'POST', '/api/catalogue/ops-admins/disable', { reason: 'again' })).status, 409);
  });
});

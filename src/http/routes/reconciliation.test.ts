import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachStore } from '../../../test/support/stores.ts';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { waitUntil } from '../../../test/support/wait.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { loadConfig } from '../../config/load.ts';
import { MemoryConnector } from '../../connectors/accounts/memory.ts';
import { ManualClock } from '../../core/clock.ts';
import { openConnector } from '../../runtime/connectors.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { useConnectorFactory } from '../../runtime/reconcile.ts';
import { createHttpApp } from '../app.ts';
import type { MusterApp } from '../env.ts';

const LDAP_TARGET = { kind: 'ldap', url: 'ldap://127.0.0.1:1', bindDn: 'cn=a', bindPassword: 'x', usersDn: 'ou=people,dc=x', groupsDn: 'ou=groups,dc=x', accountKey: ['employee_id'] };
const TICKET_TARGET = { kind: 'ticket', webhookUrl: 'https://itsm.example/hook', secret: 'a-shared-secret-of-length', callbackBase: 'https://muster.example' };
const ADMINS = {
  kind: 'birthright',
  description: 'directory administrators',
  when: [{ attribute: 'department', in: ['Security'] }],
  grants: [{ target: 'dir', groups: [{ name: 'admins', privileged: true }] }],
};

describeEachStore('HTTP reconciliation', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let token: string;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const dir = new MemoryConnector('dir');
  const call = (method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const json = async (res: Response) => (await res.json()) as any;

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', targets: { dir: LDAP_TARGET, desk: TICKET_TARGET } } });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    useConnectorFactory(ctx, (name, target) => (name === 'dir' ? dir : openConnector(name, target)));
    ({ token } = await testOperator(ctx, ['provisioning-admin', 'source-feed:hr']));
    app = createHttpApp(ctx);
    await ctx.policies.save('admins', ADMINS, 'alice', 'directory administrators');
    const imported = await call('POST', '/api/imports/hr', hrCsv([hrLine('E1'), hrLine('E2')]));
    assert.equal(imported.status, 200, await imported.clone().text());
    const [e1] = await ctx.store.query<{ id: string }>(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E1'`);
    dir.plant({ key: 'E1', correlationId: e1?.id as string, enabled: true, fields: {} });
    dir.plant({ key: 'zz-root', correlationId: '', enabled: true, fields: { displayName: 'Root' } }, ['admins']);
    dir.plant({ key: 'aa-temp', correlationId: '', enabled: true, fields: {} });
  });
  after(() => ctx.close());

  it('starts a run (202) that finishes on its own; its findings and the orphans, privileged first', async () => {
    const res = await call('POST', '/api/reconciliations', { target: 'dir' });
    assert.equal(res.status, 202, await res.clone().text());
    const { run } = await json(res);
    assert.equal(run.target, 'dir');
    assert.match(run.actor, /^operator:[0-9a-f-]{36}$/);
    const finished = async () => {
      const shown = (await json(await call('GET', `/api/reconciliations/${run.id}`))).run;
      return shown.status === 'running' ? undefined : shown;
    };
    const shown = await waitUntil('the reconciliation run to finish', finished, { timeoutMs: 5000, intervalMs: 10 });
    assert.equal(shown.status, 'done');
    assert.deepEqual([shown.counts.accounts, shown.counts.unlinked, shown.counts.unmatched, shown.counts.privileged, shown.counts.disabled], [3, 1, 2, 1, 0]);
    const orphans = (await json(await call('GET', `/api/reconciliations/${run.id}/findings?situation=unmatched`))).items;
    assert.deepEqual(
      orphans.map((f: any) => [f.accountRef, f.privileged, f.action]),
      [
        ['zz-root', true, 'reported'],
        ['aa-temp', false, 'reported'],
      ],
    );
    const all = (await json(await call('GET', `/api/reconciliations/${run.id}/findings`))).items;
    assert.deepEqual(all.map((f: any) => f.situation).sort(), ['unlinked', 'unmatched', 'unmatched']);
    const report = (await json(await call('GET', '/api/orphans?target=dir'))).items;
    assert.deepEqual(
      report.map((o: any) => [o.accountRef, o.status, o.groups]),
      [
        ['zz-root', 'orphan', ['admins']],
        ['aa-temp', 'orphan', []],
      ],
    );
    assert.equal((await json(await call('GET', '/api/reconciliations?target=dir'))).items[0].id, run.id);
  });

  it('refuses an unknown target (404) and one that cannot list its accounts (409); an unknown run is 404', async () => {
    const unknown = await call('POST', '/api/reconciliations', { target: 'nowhere' });
    assert.equal(unknown.status, 404);
    assert.equal((await json(unknown)).error.code, 'MUSTER_ERR_NOT_FOUND');
    const blind = await call('POST', '/api/reconciliations', { target: 'desk' });
    assert.equal(blind.status, 409);
    assert.match((await json(blind)).error.message, /cannot list its accounts/);
    assert.equal((await json(await call('GET', '/api/reconciliations'))).items.length, 1, 'refused runs are not recorded');
    assert.equal((await call('GET', '/api/reconciliations/0b6f5a57-8a55-4c7e-9d0c-6f3d2b1a0001')).status, 404);
    assert.equal((await call('GET', '/api/reconciliations/0b6f5a57-8a55-4c7e-9d0c-6f3d2b1a0001/findings')).status, 404);
  });
});

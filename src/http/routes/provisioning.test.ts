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
const DAY_AGO = '2026-03-01T09:00:00Z';

describeEachStore('HTTP provisioning queue and outbox', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let token: string;
  let identityId: string;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const call = (method: string, path: string, auth = true) => app.request(path, { method, headers: auth ? { authorization: `Bearer ${token}` } : {} });
  const json = async (res: Response) => (await res.json()) as any;

  async function insertDeadOp(): Promise<number> {
    const [row] = await ctx.store.query(
      `INSERT INTO provisioning_ops (target, identity_id, reason, status, attempts, run_after, last_error, created_at, updated_at)
       VALUES ('ldap', $1, 'policy:staff:1', 'dead', 8, $2, 'MUSTER_ERR_TARGET_REFUSED: insufficient access', $2, $2) RETURNING id`,
      [identityId, DAY_AGO],
    );
    return Number(row?.id);
  }

  async function insertDeadJob(): Promise<number> {
    const [row] = await ctx.store.query(
      `INSERT INTO jobs (kind, idempotency_key, payload, status, attempts, run_after, last_error, created_at, updated_at)
       VALUES ('notify.binding', 'dead-1', '{}', 'dead', 8, $1, 'mail server down', $1, $1) RETURNING id`,
      [DAY_AGO],
    );
    return Number(row?.id);
  }

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', targets: { ldap: LDAP_TARGET } } });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    ({ token } = await testOperator(ctx, ['provisioning-admin', 'source-feed:hr']));
    app = createHttpApp(ctx);
    const imported = await app.request('/api/imports/hr', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: hrCsv([hrLine('E1')]) });
    assert.equal(imported.status, 200);
    const [row] = await ctx.store.query(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E1'`);
    identityId = row?.id as string;
  });
  after(() => ctx.close());

  it('refuses the queue and outbox routes without a token', async () => {
    for (const [method, path] of [
      ['GET', '/api/provisioning/queues'],
      ['GET', '/api/provisioning/operations'],
      ['POST', '/api/provisioning/operations/1/retry'],
      ['GET', '/api/jobs'],
      ['POST', '/api/jobs/1/retry'],
    ] as const) {
      assert.equal((await call(method, path, false)).status, 401, `${method} ${path}`);
    }
  });

  it('shows every configured target, with an empty queue', async () => {
    const { items } = await json(await call('GET', '/api/provisioning/queues'));
    assert.deepEqual(items, [{ target: 'ldap', pending: 0, running: 0, failing: 0, dead: 0, done: 0, lagSeconds: 0 }]);
  });

  it('lists a dead operation and puts it back in the queue, once, audited with the caller', async () => {
    const id = await insertDeadOp();
    assert.equal((await json(await call('GET', '/api/provisioning/queues'))).items[0].dead, 1);
    const dead = (await json(await call('GET', '/api/provisioning/operations?status=dead&target=ldap'))).items;
    assert.deepEqual(
      dead.map((o: any) => [o.id, o.identityId, o.attempts, o.lastError]),
      [[id, identityId, 8, 'MUSTER_ERR_TARGET_REFUSED: insufficient access']],
    );
    assert.deepEqual(
      (await json(await call('GET', `/api/provisioning/operations?identityId=${identityId}`))).items.map((o: any) => o.id),
      [id],
    );
    const res = await call('POST', `/api/provisioning/operations/${id}/retry`);
    assert.equal(res.status, 200);
    const { operation } = await json(res);
    assert.deepEqual([operation.status, operation.attempts, operation.runAfter], ['pending', 0, clock.now().toISOString()]);
    const queue = (await json(await call('GET', '/api/provisioning/queues'))).items[0];
    assert.deepEqual([queue.pending, queue.failing, queue.dead, queue.lagSeconds], [1, 1, 0, 86_400]);
    const [entry] = await listAuditEntries(ctx.store, { action: 'provision.retried' });
    assert.match(entry?.actor ?? '', /^operator:[0-9a-f-]{36}$/);
    assert.equal(entry?.target, identityId);
    assert.equal((await call('POST', `/api/provisioning/operations/${id}/retry`)).status, 409);
    assert.equal((await call('POST', '/api/provisioning/operations/99999/retry')).status, 404);
  });

  it('refuses a bad filter naming the field', async () => {
    const res = await call('GET', '/api/provisioning/operations?status=lost');
    assert.equal(res.status, 400);
    assert.equal((await json(res)).error.details[0].field, 'status');
    assert.equal((await call('POST', '/api/provisioning/operations/x/retry')).status, 400);
  });

  it('lists a dead outbox job and retries it', async () => {
    const id = await insertDeadJob();
    const dead = (await json(await call('GET', '/api/jobs?status=dead'))).items;
    assert.deepEqual(
      dead.map((j: any) => [j.id, j.kind, j.lastError]),
      [[id, 'notify.binding', 'mail server down']],
    );
    const res = await call('POST', `/api/jobs/${id}/retry`);
    assert.equal(res.status, 200);
    assert.deepEqual([(await json(res)).job.status, (await json(await call('GET', '/api/jobs?status=dead'))).items], ['pending', []]);
    assert.equal((await call('POST', `/api/jobs/${id}/retry`)).status, 409);
    const [entry] = await listAuditEntries(ctx.store, { action: 'job.retried' });
    assert.match(entry?.actor ?? '', /^operator:[0-9a-f-]{36}$/);
  });
});

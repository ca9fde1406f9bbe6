import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { hrCsv, hrLine } from '../../test/support/muster.ts';
import { type LeaverThread, TARGETS, runLeaverThread } from '../audit/trace/test-fixtures.ts';
import { MemoryConnector } from '../connectors/accounts/memory.ts';
import type { AccountSpec, Created } from '../connectors/accounts/port.ts';
import { MusterError } from '../core/errors.ts';
import { ProvisioningWorker } from './provision/worker.ts';
import { accessWorker, identityByKey } from './test-fixtures.ts';

/** The causal thread: everything a leaver's HR event caused names the event and the request's correlation id. */
describeEachStore('the causal thread of a leaver', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let t: LeaverThread;
  const entries = (where: string, params: unknown[]) =>
    h.store.query<{ seq: number; action: string; correlation_id: string; data: Record<string, unknown> }>(
      `SELECT seq, action, correlation_id, data FROM audit_log WHERE ${where} ORDER BY seq`,
      params,
    );

  before(async () => {
    t = await runLeaverThread(h);
  });
  after(() => t.receiver.stop());

  test('the leaver event keeps the request correlation id, and every job it queued names it', async () => {
    const [event] = await h.store.query<{ correlation_id: string }>('SELECT correlation_id FROM events WHERE id = $1', [t.leaver]);
    assert.equal(event?.correlation_id, 'req-leave');
    const jobs = await h.store.query<{ kind: string; status: string }>('SELECT kind, status FROM jobs WHERE event_id = $1 ORDER BY id', [t.leaver]);
    assert.ok(jobs.length >= 5, JSON.stringify(jobs));
    assert.ok(
      jobs.every((j) => j.status === 'done'),
      JSON.stringify(jobs),
    );
  });

  test('the folded directory operation keeps the first event and carries both, through its retry', async () => {
    const [op] = await h.store.query<{ id: number; event_id: number; status: string; attempts: number }>(
      `SELECT id, event_id, status, attempts FROM provisioning_ops WHERE target = 'dir' AND identity_id = $1 ORDER BY id DESC LIMIT 1`,
      [t.identityId],
    );
    assert.deepEqual([op?.event_id, op?.status, op?.attempts], [t.mover, 'done', 2]);
    const carried = await h.store.query<{ event_id: number }>('SELECT event_id FROM provisioning_op_events WHERE op_id = $1 ORDER BY event_id', [op?.id]);
    assert.deepEqual(
      carried.map((c) => Number(c.event_id)),
      [t.mover, t.leaver],
    );
    const [applied] = await entries(`action = 'provision.applied' AND (data->>'op_id')::bigint = $1`, [op?.id]);
    assert.equal(applied?.correlation_id, 'req-leave');
    assert.deepEqual([applied?.data.event_id, applied?.data.event_ids], [t.leaver, [t.mover, t.leaver]]);
    assert.match(String(applied?.data.calls), /disable/);
  });

  test('the desk target tickets name the leaver event', async () => {
    const tickets = await h.store.query<{ operation: string; event_id: number }>('SELECT operation, event_id FROM tickets WHERE identity_id = $1 ORDER BY operation', [t.identityId]);
    assert.ok(tickets.length > 0);
    assert.ok(
      tickets.every((k) => Number(k.event_id) === t.leaver),
      JSON.stringify(tickets),
    );
  });

  test('the SETs name the leaver event, and the refused push is audited on the request', async () => {
    const sets = await h.store.query<{ event_id: number; state: string }>('SELECT event_id, state FROM ssf_events WHERE identity_id = $1 ORDER BY seq', [t.identityId]);
    assert.deepEqual(
      sets.map((s) => [Number(s.event_id), s.state]),
      [
        [t.leaver, 'failed'],
        [t.leaver, 'delivered'],
      ],
    );
    const [refused] = await entries(`action = 'ssf.push.refused'`, []);
    assert.deepEqual([refused?.correlation_id, refused?.data.event_id], ['req-leave', t.leaver]);
  });

  test('the revoked certificates and the terminated card name the leaver event', async () => {
    const certificates = await h.store.query<{ status: string; revocation_event_id: number }>('SELECT status, revocation_event_id FROM certificates WHERE credential_id = $1', [t.card.credentialId]);
    assert.equal(certificates.length, 2);
    assert.ok(
      certificates.every((c) => c.status === 'revoked' && Number(c.revocation_event_id) === t.leaver),
      JSON.stringify(certificates),
    );
    const [terminated] = await h.store.query<{ correlation_id: string; cause_event_id: number }>(
      `SELECT correlation_id, cause_event_id FROM events WHERE type = 'credential.terminated' AND identity_id = $1`,
      [t.identityId],
    );
    assert.deepEqual([terminated?.correlation_id, Number(terminated?.cause_event_id)], ['req-leave', t.leaver]);
  });

  test('every entry the workers wrote for the leaver is on its request and names an event of its thread', async () => {
    const written = await entries(`correlation_id = 'req-leave' AND actor <> 'hr-feed' AND action NOT LIKE 'import.%'`, []);
    const actions = new Set(written.map((e) => e.action));
    for (const action of ['access.changed', 'oidc.sessions.ended', 'signals.queued', 'certificate.revoked', 'credential.terminated', 'provision.applied', 'ssf.push.refused'])
      assert.ok(actions.has(action), `${action} in ${[...actions].join(', ')}`);
    assert.ok(
      written.every((e) => typeof e.data.event_id === 'number'),
      JSON.stringify(written.filter((e) => typeof e.data.event_id !== 'number')),
    );
    assert.deepEqual(await entries(`correlation_id LIKE 'provision-%' OR correlation_id LIKE 'ssf-%'`, []), []);
  });

  test('an operation refused while a newer one waits hands its events on to the newer one', async () => {
    const hr = async (name: string, e2: string, correlationId: string) => {
      const lines = [hrLine('E1', { status: 'terminated', department: 'Legal' }), hrLine('E2', { status: e2 })];
      const run = await h.imports.run({ source: 'hr', file: await h.file(name, hrCsv(lines)), actor: 'hr-feed', correlationId });
      assert.equal(run.status, 'applied', JSON.stringify(run.errors));
      while ((await accessWorker(h, TARGETS).runOnce()).claimed > 0);
    };
    await hr('e2-join.csv', 'active', 'req-e2-join');
    const e2 = (await identityByKey(h.store, 'employee_id', 'E2')).id;
    const [joinOp] = await h.store.query<{ id: number }>(`SELECT id FROM provisioning_ops WHERE target = 'dir' AND identity_id = $1 AND status = 'pending'`, [e2]);
    /** A directory that, while it creates E2, hears that E2 left, then refuses the creation. */
    class LeavingMidway extends MemoryConnector {
      override async createAccount(spec: AccountSpec): Promise<Created> {
        await hr('e2-leave.csv', 'terminated', 'req-e2-leave');
        throw new MusterError('MUSTER_ERR_TARGET_REFUSED', `not now: ${spec.key}`);
      }
    }
    const worker = new ProvisioningWorker({
      store: h.store,
      clock: h.clock,
      audit: h.audit,
      workerId: 'p2',
      batchSize: 10,
      leaseMs: 60_000,
      maxAttempts: 3,
      pollMs: 50,
      targets: new Map([['dir', { connector: new LeavingMidway('dir'), concurrency: 1 }]]),
      backoff: { baseMs: 1000, maxMs: 60_000 },
      breaker: { failures: 5, openMs: 60_000 },
    });
    await worker.runOnce();
    const events = await h.store.query<{ id: number; type: string }>(`SELECT id, type FROM events WHERE identity_id = $1 AND type IN ('identity.joiner', 'identity.leaver') ORDER BY id`, [e2]);
    const [joiner, leaver] = events.map((e) => Number(e.id));
    const ops = await h.store.query<{ id: number; status: string; event_id: number }>(`SELECT id, status, event_id FROM provisioning_ops WHERE target = 'dir' AND identity_id = $1 ORDER BY id`, [e2]);
    assert.deepEqual(
      ops.map((o) => [Number(o.id) === Number(joinOp?.id), o.status, Number(o.event_id)]),
      [
        [true, 'done', joiner],
        [false, 'pending', leaver],
      ],
    );
    const carried = await h.store.query<{ event_id: number }>('SELECT event_id FROM provisioning_op_events WHERE op_id = $1 ORDER BY event_id', [ops[1]?.id]);
    assert.deepEqual(
      carried.map((c) => Number(c.event_id)),
      [joiner, leaver],
    );
  });
});

// A target with no API end to end: a birthright policy grants an account in a ticket target, the
// provisioning worker carries it to a stand-in ITSM as signed requests, the ITSM closes them through
// the signed callback, and what stays open past its due time is escalated once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testOperator } from '../../src/operators/test-operators.ts';
import type { Connector } from '../../src/connectors/accounts/port.ts';
import { signBody } from '../../src/connectors/accounts/ticket/index.ts';
import { MaildirNotifier } from '../../src/connectors/notify/index.ts';
import { createHttpApp } from '../../src/http/app.ts';
import type { MusterApp } from '../../src/http/env.ts';
import type { ProvisioningWorker } from '../../src/lifecycle/provision/worker.ts';
import { count } from '../../src/lifecycle/test-fixtures.ts';
import { TicketService, escalateOverdue, ticketTargetsOf } from '../../src/lifecycle/tickets/index.ts';
import { openConnector } from '../../src/runtime/connectors.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { lifecycleHandlers } from '../../src/runtime/job-handlers.ts';
import { createProvisioningWorker } from '../../src/runtime/provisioning.ts';
import { accessTargetsOf } from '../../src/runtime/targets.ts';
import { createJobWorker } from '../../src/runtime/workers.ts';
import { ItsmServer } from '../support/itsm.ts';
import { hrCsv, hrLine, useHarness } from '../support/muster.ts';
import { describeEachStore } from '../support/stores.ts';
import { waitUntil } from '../support/wait.ts';

const SECRET = 'itsm-shared-secret-0123456789';
const HOUR = 3_600_000;
const TIMESHEETS = { kind: 'birthright', description: 'everyone files timesheets', when: [{ attribute: 'kind', in: ['person'] }], grants: [{ target: 'itsm', groups: [{ name: 'timesheets' }] }] };

type TicketRow = { id: string; operation: string; status: string; due_at: Date; outcome: string | null; closed_by: string | null };

describeEachStore('ticket target', (factory) => {
  const itsm = new ItsmServer();
  // the target's URL is known once the ITSM listens: filled in before the harness reads its configuration
  const overrides = { import: { massChangeShare: 1 }, targets: {} as Record<string, unknown> };
  before(async () => {
    await itsm.start();
    overrides.targets = { itsm: { kind: 'ticket', webhookUrl: itsm.url, secret: SECRET, escalateAfterHours: 24 } };
  });
  const h = useHarness(factory, overrides);
  let muster: Muster;
  let app: MusterApp;
  let token: string;
  let connector: Connector;
  let provisioning: ProvisioningWorker;
  const jobs = (over: Parameters<typeof createJobWorker>[1] = {}) =>
    createJobWorker(muster, {
      handlers: lifecycleHandlers({ notifier: new MaildirNotifier(join(h.dir, 'mail')), targets: accessTargetsOf(h.config), config: h.config, vault: h.keyVault }),
      workerId: 'w1',
      random: () => 0.5,
      sweepEveryMs: 0,
      ...over,
    });
  const settle = async () => {
    const worker = jobs();
    while ((await worker.runOnce()).claimed > 0);
    while ((await provisioning.runOnce()) > 0);
  };
  const tickets = () => h.store.query<TicketRow>('SELECT id, operation, status, due_at, outcome, closed_by FROM tickets ORDER BY opened_at, operation');
  const callback = (id: string, body: string, signature?: string) =>
    app.request(`/hooks/tickets/${id}/close`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'x-muster-signature': signature }) } });
  const closing = (id: string, outcome: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ticket: id, outcome, ...extra });

  before(async () => {
    muster = await startMuster(h.config, { store: h.store, clock: h.clock });
    app = createHttpApp(muster);
    const target = h.config.targets.itsm;
    assert.ok(target);
    connector = openConnector('itsm', target);
    ({ worker: provisioning } = createProvisioningWorker(muster, { connectors: new Map([['itsm', connector]]), workerId: 'p1', random: () => 0.5 }));
    await muster.policies.save('timesheets', TIMESHEETS, 'alice', 'everyone files timesheets');
  });
  after(async () => {
    await connector?.close();
    await itsm.stop();
  });

  test('a joiner opens one ticket per request, and the ITSM receives each signed', async () => {
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr0.csv', hrCsv([hrLine('E1')])), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    await settle();
    const rows = await tickets();
    assert.deepEqual(
      rows.map((t) => [t.operation, t.status]),
      [
        ['add timesheets', 'open'],
        ['create', 'open'],
      ],
    );
    for (const t of rows) assert.equal(t.due_at.getTime(), h.clock.now().getTime() + 24 * HOUR);
    assert.deepEqual(itsm.received.map((r) => r.json.operation).sort(), ['add-member', 'create']);
    for (const r of itsm.received) assert.equal(r.headers['x-muster-signature'], signBody(SECRET, r.body));
    assert.deepEqual(itsm.received.map((r) => r.json.ticket).sort(), rows.map((t) => t.id).sort());
    const create = itsm.received.find((r) => r.json.operation === 'create');
    assert.equal((create?.json.account as { id: string } | undefined)?.id, 'E1');
    assert.equal(create?.json.callback, `/hooks/tickets/${create?.json.ticket}/close`);
    const [account] = await h.store.query<{ remote_id: string }>(`SELECT remote_id FROM accounts WHERE target = 'itsm'`);
    assert.equal(account?.remote_id, 'E1');
  });

  test('the signed callback closes a ticket without an API token; closing it twice is a conflict', async () => {
    // the joiner E1 is the operator: a new identity would be given timesheets too
    const [e1] = await h.store.db.selectFrom('identities').select('id').execute();
    ({ token } = await testOperator(h, ['provisioning-admin'], { identityId: e1?.id as string }));
    const create = (await tickets()).find((t) => t.operation === 'create');
    assert.ok(create);
    const body = closing(create.id, 'done', { closedBy: 'pat.service-desk', note: 'account made' });
    const res = await callback(create.id, body, signBody(SECRET, body));
    assert.equal(res.status, 200, await res.clone().text());
    const closed = ((await res.json()) as { ticket: { status: string; outcome: string; closedBy: string } }).ticket;
    assert.deepEqual([closed.status, closed.outcome, closed.closedBy], ['closed', 'done', 'itsm:itsm/pat.service-desk']);
    const [entry] = await h.store.query<{ actor: string; data: { note: string } }>(`SELECT actor, data FROM audit_log WHERE action = 'ticket.closed'`);
    assert.deepEqual([entry?.actor, entry?.data.note], ['itsm:itsm', 'account made']);
    const again = await callback(create.id, body, signBody(SECRET, body));
    assert.equal(again.status, 409);
  });

  test('a missing or wrong signature, or a signed body naming another ticket, is refused (401) and audited', async () => {
    const open = (await tickets()).find((t) => t.status === 'open');
    const done = (await tickets()).find((t) => t.status === 'closed');
    assert.ok(open && done);
    const body = closing(open.id, 'done');
    const refusals = [
      await callback(open.id, body),
      await callback(open.id, body, signBody('not-the-shared-secret', body)),
      await callback(open.id, body, signBody(SECRET, `${body} `)),
      await callback(open.id, closing(done.id, 'done'), signBody(SECRET, closing(done.id, 'done'))),
      await callback(open.id, body, `Bearer ${token}`),
    ];
    assert.deepEqual(
      refusals.map((r) => r.status),
      [401, 401, 401, 401, 401],
    );
    const audited = await h.store.query<{ target: string; reason: string; actor: string }>(`SELECT target, reason, actor FROM audit_log WHERE action = 'ticket.refused' ORDER BY seq`);
    assert.deepEqual(
      audited.map((a) => a.reason),
      ['missing X-Muster-Signature header', 'signature does not match the body', 'signature does not match the body', 'the signed body names another ticket', 'signature does not match the body'],
    );
    assert.ok(audited.every((a) => a.target === `ticket:${open.id}` && a.actor === 'anonymous'));
    const unknown = await callback('00000000-0000-4000-8000-000000000000', body, signBody(SECRET, body));
    assert.equal(unknown.status, 404);
    assert.equal(await count(h.store, `audit_log WHERE action = 'ticket.refused'`), 6);
    assert.equal((await tickets()).find((t) => t.id === open.id)?.status, 'open', 'nothing was closed');
  });

  test('the admin API lists and shows tickets with a token, and refuses without one', async () => {
    assert.equal((await app.request('/api/tickets')).status, 401);
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const listed = (await (await app.request('/api/tickets?status=open', auth)).json()) as { items: { id: string; operation: string }[] };
    assert.deepEqual(
      listed.items.map((t) => t.operation),
      ['add timesheets'],
    );
    const shown = (await (await app.request(`/api/tickets/${listed.items[0]?.id}`, auth)).json()) as { ticket: { id: string }; history: { action: string }[] };
    assert.equal(shown.ticket.id, listed.items[0]?.id);
    assert.deepEqual(new Set(shown.history.map((e) => e.action)), new Set(['ticket.refused']));
    const spec = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    assert.ok(spec.paths['/hooks/tickets/{id}/close'] && spec.paths['/api/tickets']);
  });

  test("the worker's sweep escalates an overdue ticket once, signed, to the escalation URL", async () => {
    h.clock.advance(23 * HOUR);
    assert.deepEqual((await escalateOverdue(h, ticketTargetsOf(h.config))).escalated, [], 'not due yet');
    h.clock.advance(2 * HOUR);
    itsm.status = 503;
    const down = await escalateOverdue(h, ticketTargetsOf(h.config));
    assert.deepEqual([down.escalated.length, down.failed.length], [0, 1], 'an undelivered escalation leaves the ticket open');
    assert.match(down.failed[0]?.error ?? '', /MUSTER_ERR_TARGET_UNAVAILABLE/);
    itsm.status = 200;
    const before = itsm.received.length;
    const worker = jobs({ sweepEveryMs: 60_000, pollMs: 10 });
    worker.start();
    try {
      await waitUntil('a ticket escalated', async () => (await count(h.store, `tickets WHERE status = 'escalated'`)) > 0, { timeoutMs: 5000, intervalMs: 10 });
    } finally {
      await worker.stop();
    }
    const open = (await tickets()).find((t) => t.operation === 'add timesheets');
    assert.equal(open?.status, 'escalated');
    assert.deepEqual((await escalateOverdue(h, ticketTargetsOf(h.config))).escalated, [], 'an escalated ticket is not escalated again');
    const sent = itsm.received.slice(before);
    assert.equal(sent.length, 1);
    assert.deepEqual([sent[0]?.json.ticket, sent[0]?.json.escalation, sent[0]?.json.operation], [open?.id, true, 'add timesheets']);
    assert.equal(sent[0]?.headers['x-muster-signature'], signBody(SECRET, sent[0]?.body ?? ''));
    assert.equal(await count(h.store, `audit_log WHERE action = 'ticket.escalated' AND target = $1`, [`ticket:${open?.id}`]), 1);
  });

  test('a rejected ticket makes provisioning ask again for everything the record says', async () => {
    const escalated = (await tickets()).find((t) => t.status === 'escalated');
    assert.ok(escalated);
    const service = new TicketService(h);
    const closed = await service.close(escalated.id, { outcome: 'rejected', note: 'needs a manager approval', closedBy: 'cli:alice' }, { actor: 'cli:alice', correlationId: 'c1' });
    assert.deepEqual([closed.status, closed.outcome], ['closed', 'rejected']);
    const [account] = await h.store.query<{ synced: unknown; remote_id: string }>(`SELECT synced, remote_id FROM accounts WHERE target = 'itsm'`);
    assert.deepEqual([account?.synced, account?.remote_id], [null, 'E1']);
    assert.equal(await count(h.store, `provisioning_ops WHERE target = 'itsm' AND status = 'pending'`), 1);
    const [thread] = await h.store.query<{ ticket: number | null; op: number | null; carried: number }>(
      `SELECT (SELECT event_id FROM tickets WHERE id = $1) AS ticket, o.event_id AS op, (SELECT count(*)::int FROM provisioning_op_events c WHERE c.op_id = o.id) AS carried
       FROM provisioning_ops o WHERE o.target = 'itsm' AND o.status = 'pending'`,
      [escalated.id],
    );
    assert.ok(thread?.ticket, 'the ticket names the event whose operation opened it');
    assert.deepEqual([Number(thread?.op), thread?.carried], [Number(thread?.ticket), 1], 'the operation asked again carries that event on');
    const before = itsm.received.length;
    while ((await provisioning.runOnce()) > 0);
    assert.deepEqual(
      itsm.received
        .slice(before)
        .map((r) => r.json.operation)
        .sort(),
      ['add-member', 'enable', 'update'],
    );
    assert.equal(await count(h.store, `tickets WHERE status = 'open'`), 3);
  });
});

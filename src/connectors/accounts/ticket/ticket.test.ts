import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ItsmServer } from '../../../../test/support/itsm.ts';
import { ManualClock } from '../../../core/clock.ts';
import { isMusterError } from '../../../core/errors.ts';
import { TicketConnector } from './connector.ts';
import { signBody, signatureMatches } from './signature.ts';

const SECRET = 'a-shared-secret-of-the-itsm';
const SPEC = { key: 'jdoe', correlationId: '0b9c3a4e-5d2f-4e61-9a7b-3c2d1e0f9a8b', enabled: true, fields: { displayName: 'Jo Doe', email: 'jo.doe@agency.example' } };

describe('ticket connector', () => {
  const itsm = new ItsmServer();
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  let c: TicketConnector;
  before(async () => {
    await itsm.start();
    c = new TicketConnector('itsm', { webhookUrl: itsm.url, secret: SECRET, timeoutMs: 500, callbackBase: 'https://muster.agency.example/', clock });
  });
  after(async () => {
    await c.close();
    await itsm.stop();
  });
  beforeEach(() => {
    itsm.received.length = 0;
    itsm.status = 200;
    itsm.hang = false;
  });

  it('declares a deferred target that cannot be listed or read', async () => {
    assert.deepEqual({ ...c.capabilities }, { list: false, groups: true, delete: true, etags: false, deferred: true });
    assert.equal(c.kind, 'ticket');
    assert.equal(await c.findAccount('jdoe'), null);
    await assert.rejects(c.listEntitlements(), (e: unknown) => isMusterError(e, 'MUSTER_ERR_CONFLICT') && /cannot be listed/.test(e.message));
    await assert.rejects(
      async () => {
        for await (const _ of c.listAccounts()) assert.fail('nothing to list');
      },
      (e: unknown) => isMusterError(e, 'MUSTER_ERR_CONFLICT'),
    );
    assert.equal(itsm.received.length, 0);
  });

  it('posts a creation signed with the secret, naming the ticket and its callback', async () => {
    const created = await c.createAccount(SPEC);
    assert.equal(created.id, 'jdoe', 'the account id is its key');
    assert.ok(created.ticket);
    const [got] = itsm.received;
    assert.ok(got);
    assert.equal(got.path, '/itsm/requests');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.ok(signatureMatches(SECRET, got.body, got.headers['x-muster-signature'] as string));
    assert.equal(got.headers['x-muster-signature'], signBody(SECRET, got.body));
    assert.equal(signatureMatches('another-secret-entirely', got.body, got.headers['x-muster-signature'] as string), false);
    assert.deepEqual(got.json, {
      ticket: created.ticket,
      target: 'itsm',
      operation: 'create',
      account: { id: 'jdoe', correlationId: SPEC.correlationId, fields: SPEC.fields, enabled: true },
      requestedAt: '2026-03-02T09:00:00.000Z',
      callback: `https://muster.agency.example/hooks/tickets/${created.ticket}/close`,
    });
  });

  it('posts exactly one request per operation, each with its own ticket', async () => {
    const receipts = [
      await c.updateAccount('jdoe', { title: 'Senior Analyst' }),
      await c.disableAccount('jdoe'),
      await c.enableAccount('jdoe'),
      await c.deleteAccount('jdoe'),
      await c.addMember('payroll-admins', 'jdoe'),
      await c.removeMember('payroll-admins', 'jdoe'),
    ];
    assert.deepEqual(
      itsm.received.map((r) => r.json.operation),
      ['update', 'disable', 'enable', 'delete', 'add-member', 'remove-member'],
    );
    assert.deepEqual(
      itsm.received.map((r) => r.json.ticket),
      receipts.map((r) => r.ticket),
    );
    assert.equal(new Set(receipts.map((r) => r.ticket)).size, 6);
    assert.deepEqual(itsm.received[0]?.json.account, { id: 'jdoe', fields: { title: 'Senior Analyst' } });
    assert.deepEqual(
      itsm.received.slice(4).map((r) => r.json.group),
      ['payroll-admins', 'payroll-admins'],
    );
    assert.equal(itsm.received[1]?.json.group, undefined);
    for (const r of itsm.received) assert.ok(signatureMatches(SECRET, r.body, r.headers['x-muster-signature'] as string));
  });

  it('asks for a rename with the old and the new key, and the new key is the id from then on', async () => {
    const renamed = await c.renameAccount('jdoe', 'jdoe2');
    assert.equal(renamed.id, 'jdoe2');
    assert.deepEqual(
      itsm.received.map((r) => [r.json.operation, r.json.account, r.json.ticket]),
      [['rename', { id: 'jdoe', key: 'jdoe2' }, renamed.ticket]],
    );
    assert.deepEqual(await c.renameAccount('jdoe2', 'jdoe2'), { id: 'jdoe2' }, 'no request for a rename to the same key');
    assert.equal(itsm.received.length, 1);
    for (const r of itsm.received) assert.ok(signatureMatches(SECRET, r.body, r.headers['x-muster-signature'] as string));
  });

  it('an ITSM that fails (503, 429) or does not answer is unavailable; one that refuses (400) is a refusal', async () => {
    for (const status of [503, 429]) {
      itsm.status = status;
      await assert.rejects(c.disableAccount('jdoe'), (e: unknown) => isMusterError(e, 'MUSTER_ERR_TARGET_UNAVAILABLE') && e.message.includes(String(status)));
    }
    itsm.status = 400;
    await assert.rejects(c.disableAccount('jdoe'), (e: unknown) => isMusterError(e, 'MUSTER_ERR_TARGET_REFUSED') && e.details[0]?.value === '400');
    itsm.hang = true;
    await assert.rejects(c.disableAccount('jdoe'), (e: unknown) => isMusterError(e, 'MUSTER_ERR_TARGET_UNAVAILABLE') && /timed out/.test(e.message));
  });

  it('a closed port is unavailable, and so is a closed connector', async () => {
    const nowhere = new TicketConnector('itsm', { webhookUrl: 'http://127.0.0.1:1/requests', secret: SECRET, timeoutMs: 500 });
    await assert.rejects(nowhere.enableAccount('jdoe'), (e: unknown) => isMusterError(e, 'MUSTER_ERR_TARGET_UNAVAILABLE'));
    await nowhere.close();
    const closed = new TicketConnector('itsm', { webhookUrl: itsm.url, secret: SECRET });
    await closed.close();
    await assert.rejects(closed.enableAccount('jdoe'), (e: unknown) => isMusterError(e, 'MUSTER_ERR_TARGET_UNAVAILABLE'));
  });

  it('without a callback base the callback is a path on muster', async () => {
    const bare = new TicketConnector('itsm', { webhookUrl: itsm.url, secret: SECRET });
    const { ticket } = await bare.enableAccount('jdoe');
    assert.equal(itsm.received[0]?.json.callback, `/hooks/tickets/${ticket}/close`);
    await bare.close();
  });
});

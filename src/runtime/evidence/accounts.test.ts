import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryConnector } from '../../connectors/accounts/memory.ts';
import type { Connector } from '../../connectors/accounts/port.ts';
import { readBack } from './accounts.ts';

const now = () => new Date('2026-03-02T09:00:00Z');

test('an account read back from the target: found with its state and groups, or not found', async () => {
  const target = new MemoryConnector('portal');
  const { id } = await target.createAccount({ key: 'jdoe', correlationId: 'person-1', fields: {}, enabled: true });
  await target.addMember('staff', id);
  await target.disableAccount(id);
  await target.removeMember('staff', id);
  assert.deepEqual(await readBack(target, 'jdoe', now), { read: true, at: '2026-03-02T09:00:00.000Z', found: true, id, key: 'jdoe', enabled: false, groups: [] });
  assert.deepEqual(await readBack(target, 'nobody', now), { read: true, at: '2026-03-02T09:00:00.000Z', found: false });
});

test('a target that cannot be read says why instead of a result: no connector, not listable, or down', async () => {
  assert.match(((await readBack(undefined, 'jdoe', now)) as { why: string }).why, /no connector/);
  const tickets = Object.assign(new MemoryConnector('helpdesk'), { kind: 'ticket', capabilities: { list: false, groups: true, delete: true, etags: false, deferred: true } }) as unknown as Connector;
  assert.match(((await readBack(tickets, 'jdoe', now)) as { why: string }).why, /ticket target cannot be read back/);
  const down = new MemoryConnector('portal');
  down.failWith = new Error('connection refused');
  assert.deepEqual(await readBack(down, 'jdoe', now), { read: false, at: '2026-03-02T09:00:00.000Z', why: 'the target did not answer: connection refused' });
});

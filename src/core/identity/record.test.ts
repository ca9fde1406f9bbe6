import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type IdentityState, planIdentity } from './record.ts';

const at = (iso: string) => ({ source: 'hr', record: 'E1', observedAt: new Date(iso) });
const everything = () => true;

function joiner(): IdentityState {
  return planIdentity(
    null,
    { kind: 'person', status: 'active', attributes: { employee_id: 'E1', given_name: 'Ada', department: 'Finance', manager: 'E9' } },
    at('2026-01-01T00:00:00Z'),
    everything,
    'id-1',
  ).next;
}

test('a joiner gets provenance on every attribute and last_updated at creation', () => {
  const plan = planIdentity(null, { kind: 'person', status: 'active', attributes: { employee_id: 'E1', department: 'Finance' } }, at('2026-01-01T00:00:00Z'), everything, 'id-1');
  assert.deepEqual(plan.events, ['identity.joiner']);
  assert.deepEqual(plan.next.attributes.department, { v: 'Finance', s: 'hr', r: 'E1', t: '2026-01-01T00:00:00.000Z' });
  assert.equal(plan.next.lastUpdated.toISOString(), '2026-01-01T00:00:00.000Z');
  assert.equal(plan.next.version, 1);
});

test('last_updated moves for a releasable attribute and not for an internal one', () => {
  const moved = planIdentity(joiner(), { kind: 'person', attributes: { department: 'Legal' } }, at('2026-02-01T00:00:00Z'), everything, 'x');
  assert.deepEqual(moved.events, ['identity.mover']);
  assert.equal(moved.next.lastUpdated.toISOString(), '2026-02-01T00:00:00.000Z');
  const internal = planIdentity(joiner(), { kind: 'person', attributes: { manager: 'E7' } }, at('2026-02-01T00:00:00Z'), everything, 'x');
  assert.deepEqual(internal.events, ['identity.mover']);
  assert.equal(internal.next.lastUpdated.toISOString(), '2026-01-01T00:00:00.000Z');
});

test('a name change is an update, not a move; an empty value clears the attribute', () => {
  const plan = planIdentity(joiner(), { kind: 'person', attributes: { given_name: 'Augusta', department: '' } }, at('2026-02-01T00:00:00Z'), everything, 'x');
  assert.deepEqual(plan.events, ['identity.mover']);
  assert.equal(plan.next.attributes.department, undefined);
  const rename = planIdentity(joiner(), { kind: 'person', attributes: { given_name: 'Augusta' } }, at('2026-02-01T00:00:00Z'), everything, 'x');
  assert.deepEqual(rename.events, ['identity.updated']);
});

test('attributes the source is not authoritative for are refused and left as they were', () => {
  const plan = planIdentity(joiner(), { kind: 'person', status: 'leave', attributes: { given_name: 'Eve', department: 'Ops' } }, at('2026-02-01T00:00:00Z'), (name) => name === 'department', 'x');
  assert.deepEqual([...plan.refused].sort(), ['given_name', 'status']);
  assert.equal(plan.next.attributes.given_name?.v, 'Ada');
  assert.equal(plan.next.status, 'active');
  assert.deepEqual(plan.events, ['identity.mover']);
});

test('a leaver is one event through inactive; a rehire with a new department is a rehire and a mover', () => {
  const leaver = planIdentity(joiner(), { kind: 'person', status: 'terminated', attributes: {} }, at('2026-03-01T00:00:00Z'), everything, 'x');
  assert.deepEqual(leaver.statusPath, ['inactive', 'terminated']);
  assert.deepEqual(leaver.events, ['identity.leaver']);
  const rehire = planIdentity(leaver.next, { kind: 'person', status: 'active', attributes: { department: 'Audit' } }, at('2026-04-01T00:00:00Z'), everything, 'x');
  assert.deepEqual(rehire.events, ['identity.rehire', 'identity.mover']);
  assert.equal(rehire.next.id, 'id-1');
});

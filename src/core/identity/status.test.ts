import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDENTITY_STATUSES, type IdentityStatus, canMove, planStatusPath } from './status.ts';

const ALLOWED = new Set([
  'pending>active',
  'active>leave',
  'leave>active',
  'active>suspended',
  'suspended>active',
  'active>inactive',
  'leave>inactive',
  'suspended>inactive',
  'inactive>terminated',
  'terminated>archived',
  'terminated>active',
]);

test('the status machine allows exactly the documented moves and refuses every other', () => {
  for (const from of IDENTITY_STATUSES) {
    for (const to of IDENTITY_STATUSES) {
      if (from === to) continue;
      assert.equal(canMove(from, to), ALLOWED.has(`${from}>${to}`), `${from} → ${to}`);
    }
  }
});

test('a leaver passes through inactive; a rehire goes straight back to active', () => {
  assert.deepEqual(planStatusPath('active', 'terminated'), ['inactive', 'terminated']);
  assert.deepEqual(planStatusPath('leave', 'terminated'), ['inactive', 'terminated']);
  assert.deepEqual(planStatusPath('terminated', 'active'), ['active']);
  assert.deepEqual(planStatusPath('active', 'active'), []);
});

test('a refused move names the rule', () => {
  const refused: [IdentityStatus, IdentityStatus][] = [
    ['pending', 'terminated'],
    ['archived', 'active'],
    ['inactive', 'active'],
    ['pending', 'leave'],
  ];
  for (const [from, to] of refused) {
    assert.throws(
      () => planStatusPath(from, to),
      (e: any) => e.code === 'MUSTER_ERR_STATUS_TRANSITION' && e.message === `an identity cannot move from ${from} to ${to}`,
    );
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPolicy } from './policy.ts';
import { checkSeparationOfDuties, findConflicts, separationRules } from './sod.ts';

const doc = {
  kind: 'separation',
  description: 'who creates a payment never approves one',
  sides: [[{ target: 'finance', group: 'creators' }, { role: 'policy-admin' }], [{ target: 'finance', group: 'approvers' }]],
};
const rules = separationRules([{ name: 'payments', version: 1, document: checkPolicy('payments', doc, ['finance']) }]);

test('a separation policy is checked like any policy: its targets must exist, it has two sides', () => {
  assert.throws(
    () => checkPolicy('payments', doc, ['directory']),
    (e: any) => e.code === 'MUSTER_ERR_POLICY' && e.details.some((d: any) => d.field === 'sides.0.0.target'),
  );
  assert.throws(
    () => checkPolicy('payments', { ...doc, sides: [[{ role: 'auditor' }]] }, ['finance']),
    (e: any) => e.code === 'MUSTER_ERR_POLICY',
  );
});

test('a conflict is something held on each side; an exception leaves it out', () => {
  assert.deepEqual(findConflicts([{ target: 'finance', group: 'creators' }], rules), []);
  const held = [{ role: 'policy-admin' }, { target: 'finance', group: 'approvers' }];
  assert.deepEqual(findConflicts(held, rules), [{ policy: 'payments', sides: [[{ role: 'policy-admin' }], [{ target: 'finance', group: 'approvers' }]] }]);
  assert.deepEqual(findConflicts(held, rules, new Set(['payments'])), []);
});

test('a request that would make a conflict is refused with MUSTER_ERR_SOD naming both sides; one already there is not the request’s', () => {
  assert.throws(
    () => checkSeparationOfDuties([{ target: 'finance', group: 'creators' }], [{ target: 'finance', group: 'approvers' }], rules),
    (e: any) => e.code === 'MUSTER_ERR_SOD' && e.message.includes('finance/creators') && e.message.includes('finance/approvers') && e.details[0].field === 'payments',
  );
  checkSeparationOfDuties(
    [
      { target: 'finance', group: 'creators' },
      { target: 'finance', group: 'approvers' },
    ],
    [{ target: 'other', group: 'x' }],
    rules,
  );
  checkSeparationOfDuties([{ target: 'finance', group: 'creators' }], [{ target: 'finance', group: 'approvers' }], rules, new Set(['payments']));
});

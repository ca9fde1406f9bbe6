import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { RefusalBudget } from './refusal-budget.ts';

const draft = { actor: 'anonymous', action: 'auth.refused' };

test('each key gets its own budget a minute; what is suppressed is reported with the next entry admitted', () => {
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const budget = new RefusalBudget(2, clock);
  assert.ok(budget.admit('a', draft) && budget.admit('a', draft));
  assert.equal(budget.admit('a', draft), null);
  assert.ok(budget.admit('b', draft), 'another caller has its own budget');
  clock.advance(60_000);
  assert.deepEqual(budget.admit('a', draft)?.data, { suppressed_before: 1 });
});

test('many callers do not grow it for ever: settled windows are forgotten, unreported counts kept', () => {
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const budget = new RefusalBudget(1, clock);
  budget.admit('loud', draft);
  budget.admit('loud', draft);
  for (let i = 0; i < 10_001; i++) budget.admit(`caller-${i}`, draft);
  clock.advance(60_000);
  budget.admit('newcomer', draft);
  assert.deepEqual(budget.admit('loud', draft)?.data, { suppressed_before: 1 }, 'the suppressed count survives');
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { count } from '../lifecycle/test-fixtures.ts';
import { authenticate } from './tokens.ts';
import { type Decider, PendingActions } from './pending-actions.ts';
import { testOperator } from './test-operators.ts';

describeEachStore('two-person rules: pending actions', (factory) => {
  const h = useHarness(factory);
  const ran: string[] = [];
  let actions: PendingActions;
  const ops: Record<'alice' | 'bob' | 'carol', Decider> = {} as never;
  const propose = (what: string) => actions.propose({ kind: 'test.run', target: `thing:${what}`, summary: `run ${what}`, payload: { what }, reason: 'because' }, ops.alice);

  before(async () => {
    actions = new PendingActions({
      store: h.store,
      clock: h.clock,
      audit: h.audit,
      expiryHours: 24,
      kinds: new Map([['test.run', { role: 'federation-admin', run: async (a) => (ran.push(String(a.payload.what)), { done: a.payload.what as string }) }]]),
    });
    for (const [name, roles] of [
      ['alice', ['federation-admin']],
      ['bob', ['federation-admin']],
      ['carol', ['auditor']],
    ] as const) {
      const o = await testOperator(h, roles);
      ops[name] = { ...((await authenticate(h.store, h.clock, o.token)) as NonNullable<Awaited<ReturnType<typeof authenticate>>>), correlationId: `pa-${name}` };
    }
  });

  test('runs only when a second operator holding the role confirms; the proposer and a token without the role are refused, audited', async () => {
    const action = await propose('one');
    assert.equal(
      (await actions.list('pending')).some((a) => a.id === action.id),
      true,
    );
    await assert.rejects(actions.confirm(action.id, ops.alice), (e: any) => e.code === 'MUSTER_ERR_SEPARATION_OF_DUTIES' && e.details[0].field === 'second-person');
    await assert.rejects(actions.confirm(action.id, ops.carol), (e: any) => e.code === 'MUSTER_ERR_FORBIDDEN');
    assert.deepEqual(ran, []);
    assert.equal(await count(h.store, `audit_log WHERE action = 'pending_action.refused' AND target = 'thing:one'`), 2);
    const done = await actions.confirm(action.id, ops.bob, 'looked right');
    assert.deepEqual([done.status, done.decidedBy, done.result, ran], ['confirmed', ops.bob.actor, { done: 'one' }, ['one']]);
    await assert.rejects(actions.confirm(action.id, ops.bob), (e: any) => e.code === 'MUSTER_ERR_PENDING_ACTION');
  });

  test('a rejected action never runs', async () => {
    const action = await propose('two');
    const rejected = await actions.reject(action.id, ops.bob, 'not agreed');
    assert.equal(rejected.status, 'rejected');
    await assert.rejects(actions.confirm(action.id, ops.bob), (e: any) => e.code === 'MUSTER_ERR_PENDING_ACTION');
    assert.equal(ran.includes('two'), false);
  });

  test('an action not confirmed in time expires: the scheduler task marks it, and a late confirmation is refused', async () => {
    const late = await propose('three');
    const swept = await propose('four');
    h.clock.advance(24 * 3_600_000);
    await assert.rejects(actions.confirm(late.id, ops.bob), (e: any) => e.code === 'MUSTER_ERR_PENDING_ACTION' && e.details[0].value === 'expired');
    assert.equal(await actions.expireDue(), 1);
    assert.equal((await actions.get(swept.id)).status, 'expired');
    assert.equal(await count(h.store, `audit_log WHERE action = 'pending_action.expired' AND target = 'thing:four'`), 1);
    assert.equal(ran.includes('three') || ran.includes('four'), false);
  });
});

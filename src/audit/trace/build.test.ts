import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { useHarness } from '../../../test/support/muster.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { isMusterError } from '../../core/errors.ts';
import { traceEvent, traceIdentity } from './build.ts';
import { type LeaverThread, runLeaverThread } from './test-fixtures.ts';
import type { EventTrace } from './types.ts';

const ms = (from: string, to: string | null) => (to === null ? null : Date.parse(to) - Date.parse(from));

describeEachStore('the trace of a leaver', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let t: LeaverThread;
  let tree: EventTrace;

  before(async () => {
    t = await runLeaverThread(h);
    tree = await traceEvent(h.store, t.leaver);
  });
  after(() => t.receiver.stop());

  test('the event and the MUR change it came from', () => {
    assert.deepEqual([tree.event.id, tree.event.type, tree.event.identityId, tree.event.correlationId, tree.event.causeEventId], [t.leaver, 'identity.leaver', t.identityId, 'req-leave', null]);
    assert.equal(tree.event.source, 'hr');
    assert.deepEqual([tree.origin?.actor, tree.origin?.action, tree.origin?.statusMove?.to], ['source:hr', 'identity.leaver', 'inactive']);
  });

  test('each job, done, with its duration', () => {
    const kinds = tree.jobs.map((j) => j.kind);
    for (const kind of ['federation.sessions.end', 'federation.signal', 'access.recompute', 'credentials.terminate']) assert.ok(kinds.includes(kind), kinds.join(', '));
    for (const j of tree.jobs) {
      assert.equal(j.status, 'done');
      assert.equal(j.createdAt, tree.event.occurredAt);
      assert.equal(j.durationMs, ms(j.createdAt, j.finishedAt));
    }
  });

  test('each target operation: the folded directory one with both events, its retry and result; the desk one with its tickets', () => {
    const dir = tree.operations.find((o) => o.target === 'dir');
    assert.deepEqual([dir?.status, dir?.attempts, dir?.eventIds], ['done', 2, [t.mover, t.leaver]]);
    assert.ok(dir?.result?.includes('disable'), JSON.stringify(dir?.result));
    assert.equal(dir?.durationMs, ms(dir!.createdAt, dir!.doneAt));
    assert.equal(dir?.durationMs, 7 * 60_000, 'queued by the move a minute before the leave; refused a minute after it, done five minutes later');
    assert.ok(tree.operations.some((o) => o.target === 'desk' && o.status === 'done'));
    assert.ok(tree.tickets.length > 0 && tree.tickets.every((k) => k.target === 'desk' && k.status === 'open'));
  });

  test('each certificate revoked, each SET with its delivery, the sessions ended', () => {
    assert.deepEqual(tree.revocations.map((r) => r.serial).sort(), t.card.certificates.map((c) => c.serial).sort());
    assert.ok(tree.revocations.every((r) => r.reason === 'affiliationChanged' && r.revokedAt !== null));
    assert.deepEqual(
      tree.signals.map((s) => [s.clientId, s.state]),
      [
        ['rp-trace', 'failed'],
        ['rp-trace', 'delivered'],
      ],
    );
    const delivered = tree.signals[1]!;
    assert.equal(delivered.durationMs, ms(delivered.createdAt, delivered.deliveredAt));
    assert.equal(tree.sessionsEnded.length, 1);
  });

  test('the audit entries of the request, the events the jobs made, and when it all settled', () => {
    const actions = tree.audit.map((a) => a.action);
    for (const action of ['identity.leaver', 'access.changed', 'oidc.sessions.ended', 'provision.applied', 'ssf.push.refused']) assert.ok(actions.includes(action), actions.join(', '));
    assert.ok(tree.audit.every((a) => a.correlationId === 'req-leave'));
    assert.ok(tree.caused.length > 0 && tree.caused.every((c) => c.event.type === 'credential.terminated' && c.event.causeEventId === t.leaver));
    assert.ok(tree.caused[0]!.audit.some((a) => a.action === 'credential.terminated'));
    const last = Math.max(...tree.audit.map((a) => Date.parse(a.at)), ...tree.operations.map((o) => Date.parse(o.doneAt ?? '')).filter(Number.isFinite));
    assert.equal(tree.settledAfterMs, Date.parse(tree.settledAt) - Date.parse(tree.event.occurredAt));
    assert.ok(Date.parse(tree.settledAt) >= last);
  });

  test('the move the leave folded into shows the same operation, and its entry written under the leave', async () => {
    const move = await traceEvent(h.store, t.mover);
    const dir = move.operations.find((o) => o.target === 'dir' && o.eventIds.includes(t.leaver));
    assert.ok(dir);
    assert.ok(move.audit.some((a) => a.action === 'provision.applied' && a.correlationId === 'req-leave'));
  });

  test('by identity: each event since then with its tree; the card ended by the leave shows under it', async () => {
    const trees = await traceIdentity(h.store, t.identityId, new Date(0));
    const types = trees.map((x) => x.event.type);
    assert.deepEqual(types.slice(-2), ['identity.mover', 'identity.leaver']);
    assert.ok(!types.includes('credential.terminated'));
    assert.deepEqual((await traceIdentity(h.store, t.identityId, new Date(Date.parse(tree.event.occurredAt) + 1))).length, 0);
  });

  test('a bad event id or identity is refused naming it; an unknown event is not found', async () => {
    await assert.rejects(traceEvent(h.store, 0), (e) => isMusterError(e, 'MUSTER_ERR_VALIDATION') && e.details[0]?.field === 'eventId');
    await assert.rejects(traceEvent(h.store, 9_999_999), (e) => isMusterError(e, 'MUSTER_ERR_NOT_FOUND'));
    await assert.rejects(traceIdentity(h.store, 'E1', new Date(0)), (e) => isMusterError(e, 'MUSTER_ERR_VALIDATION') && e.details[0]?.field === 'identity');
  });
});

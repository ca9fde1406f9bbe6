import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { hrCsv, hrLine, type Harness } from '../../../test/support/muster.ts';
import { MemoryConnector } from '../../connectors/accounts/memory.ts';
import type { Receipt } from '../../connectors/accounts/port.ts';
import { MusterError } from '../../core/errors.ts';
import { issuePivCard } from '../../credentials/cards.ts';
import { VETTING_HEADER, cardDeps, cardRequest, testCa } from '../../credentials/test-fixtures.ts';
import type { IssuedPivCard } from '../../credentials/types.ts';
import { PolicyService } from '../../lifecycle/access/policies.ts';
import { accessTargets } from '../../lifecycle/access/targets.ts';
import { ProvisioningWorker } from '../../lifecycle/provision/worker.ts';
import { accessWorker, identityByKey } from '../../lifecycle/test-fixtures.ts';
import { type PushDeliveryOptions, claimDuePushes, deliverClaimed } from '../../protocols/ssf/delivery.ts';
import { PushReceiver, knownTo, rpKey, saveAgreement } from '../../protocols/ssf/test-fixtures.ts';

/** A target with no API: disabling an account or taking a group away opens a ticket. */
export class DeskConnector extends MemoryConnector {
  override readonly capabilities = Object.freeze({ list: true, groups: true, delete: true, etags: false, deferred: true });

  override async disableAccount(id: string): Promise<Receipt> {
    return { ...(await super.disableAccount(id)), ticket: randomUUID() };
  }

  override async removeMember(group: string, id: string): Promise<Receipt> {
    return { ...(await super.removeMember(group, id)), ticket: randomUUID() };
  }
}

export const TARGETS = accessTargets([
  { name: 'dir', accountKey: ['employee_id'] },
  { name: 'desk', accountKey: ['employee_id'] },
]);
const EVERYONE = {
  kind: 'birthright',
  description: 'every person has a directory and a desk account',
  when: [{ attribute: 'kind', in: ['person'] }],
  grants: [
    { target: 'dir', groups: [{ name: 'staff' }] },
    { target: 'desk', groups: [{ name: 'staff' }] },
  ],
};
const MINUTE = 60_000;

/** What the leaver scenario made: the identity, its mover and leaver events, its card, and the targets. */
export interface LeaverThread {
  readonly identityId: string;
  readonly mover: number;
  readonly leaver: number;
  readonly card: IssuedPivCard;
  readonly dir: MemoryConnector;
  readonly receiver: PushReceiver;
}

/**
 * E1 joins, is vetted, gets a PIV card and signs in at an RP that hears `account-disabled` and `session-revoked`.
 * A move (req-move) queues a directory update that waits; then E1 leaves (req-leave): the leaver's change folds into
 * the waiting operation, which the directory refuses once and applies on its retry; the card's certificates are
 * revoked; the SETs are pushed (the receiver refuses the first); the desk target opens tickets.
 */
export async function runLeaverThread(h: Harness): Promise<LeaverThread> {
  const dir = new MemoryConnector('dir');
  const provisioning = new ProvisioningWorker({
    store: h.store,
    clock: h.clock,
    audit: h.audit,
    workerId: 'p1',
    batchSize: 50,
    leaseMs: MINUTE,
    maxAttempts: 3,
    pollMs: 50,
    targets: new Map([
      ['dir', { connector: dir, concurrency: 2 }],
      ['desk', { connector: new DeskConnector('desk'), concurrency: 1, ticketDueMs: 86_400_000 }],
    ]),
    backoff: { baseMs: 1000, maxMs: MINUTE },
    breaker: { failures: 5, openMs: MINUTE },
    random: () => 0.5,
  });
  const jobs = async () => {
    while ((await accessWorker(h, TARGETS).runOnce()).claimed > 0);
  };
  const provision = async () => {
    while ((await provisioning.runOnce()) > 0);
  };
  const hr = async (name: string, status: string, department: string, correlationId: string) => {
    const run = await h.imports.run({ source: 'hr', file: await h.file(name, hrCsv([hrLine('E1', { status, department })])), actor: 'hr-feed', correlationId });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
  };

  await new PolicyService({ store: h.store, audit: h.audit, clock: h.clock, targets: TARGETS.names }).save('everyone', EVERYONE, 'alice', 'birthright access');
  await hr('join.csv', 'active', 'Finance', 'req-join');
  const vetting = await h.imports.run({
    source: 'vetting',
    file: await h.file('vetting.csv', `${VETTING_HEADER}\nE1,favorable,current,Tier 3,2025-11-01,true\n`),
    actor: 'alice',
    correlationId: 'req-vet',
  });
  assert.equal(vetting.status, 'applied', JSON.stringify(vetting.errors));
  await jobs();
  await provision();
  const identityId = (await identityByKey(h.store, 'employee_id', 'E1')).id;
  const card = await issuePivCard(cardDeps(h, await testCa(h)), await cardRequest(h, identityId), 'operator:0ff1ce00-0000-4000-8000-000000000001', 'req-card');
  const receiver = new PushReceiver([{ status: 400, body: { err: 'invalid_subject', description: 'unknown subject' } }]);
  const rp = { clientId: 'rp-trace', key: await rpKey('trace'), signalEndpoint: await receiver.start() };
  await saveAgreement(h, 'trace', [rp], ['account-disabled', 'session-revoked']);
  await knownTo(h.store, identityId, rp.clientId, 'trace-sub', h.clock.now());
  await jobs();

  h.clock.advance(MINUTE);
  await hr('move.csv', 'active', 'Legal', 'req-move');
  await jobs();
  h.clock.advance(MINUTE);
  await hr('leave.csv', 'terminated', 'Legal', 'req-leave');
  await jobs();
  const eventOf = async (type: string) =>
    (await h.store.db.selectFrom('events').select('id').where('identity_id', '=', identityId).where('type', '=', type).orderBy('id', 'desc').executeTakeFirstOrThrow()).id;

  h.clock.advance(MINUTE);
  dir.failWith = new MusterError('MUSTER_ERR_TARGET_REFUSED', 'directory busy');
  await provisioning.runOnce();
  dir.failWith = null;
  h.clock.advance(5 * MINUTE);
  await provision();
  await pushAll(h);
  return { identityId, mover: await eventOf('identity.mover'), leaver: await eventOf('identity.leaver'), card, dir, receiver };
}

/** Pushes every due SET, one delivery round after another, until none is left. */
async function pushAll(h: Harness): Promise<void> {
  const o: PushDeliveryOptions = {
    store: h.store,
    clock: h.clock,
    audit: h.audit,
    timeoutMs: 5000,
    maxAttempts: 3,
    backoff: { baseMs: 1000, maxMs: MINUTE },
    random: () => 0.5,
    leaseMs: MINUTE,
    batchSize: 10,
  };
  for (let round = 0; round < 5; round++) {
    const claimed = await claimDuePushes(o);
    if (claimed.length === 0) return;
    for (const set of claimed) await deliverClaimed(o, set);
    h.clock.advance(1000);
  }
}

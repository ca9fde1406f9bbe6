import type { AuditDraft } from '../../audit/chain.ts';
import type { AuditGroup, AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import { isMusterError, MusterError } from '../../core/errors.ts';
import type { Connector } from '../../connectors/accounts/port.ts';
import type { Store, Tx } from '../../store/store.ts';
import type { Backoff, RandomSource } from '../../queue/backoff.ts';
import type { BreakerSettings, CircuitBreaker } from '../../queue/circuit.ts';
import { DurableQueue } from '../../queue/durable-queue.ts';
import { PollingLoop } from '../../queue/polling-loop.ts';
import { describeError } from '../worker.ts';
import { type AccountRecord, type ConvergeResult, convergeAccount } from './converge.ts';
import { type ClaimedOp, OP_QUEUE, type ProvisioningOp, type SyncWrite, loadRecords, markOpDead, recordSynced, requeueOp } from './ops.ts';
import { type OpCause, carryOpEvents, opCauses } from './op-events.ts';
import { type OpenedTicket, recordTickets } from './tickets.ts';
import { type ManagerOnLeave, reportsOutOfStep } from './managers-repository.ts';
import { queueProvisioning } from '../access/write.ts';

export const PROVISIONING_ACTOR = 'muster:provisioning';

/** One target the worker serves: its connector and how many calls may be in flight at once. */
export interface ProvisioningTarget {
  readonly connector: Connector;
  readonly concurrency: number;
  /** For deferred targets: how long a ticket may stay open before it is escalated. */
  readonly ticketDueMs?: number;
  /** For a target whose accounts name their manager's account (`capabilities.managers`): what a manager's leaving does to it. */
  readonly managerOnLeave?: ManagerOnLeave;
}

export interface ProvisioningWorkerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly targets: ReadonlyMap<string, ProvisioningTarget>;
  readonly workerId: string;
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly breaker: BreakerSettings;
  readonly pollMs: number;
  readonly random?: RandomSource;
  readonly onError?: (error: unknown) => void;
  /** Told about every finished operation (metrics, logs). */
  readonly onOutcome?: (target: string, outcome: OpOutcome, op: ProvisioningOp) => void;
}

export type OpOutcome = 'done' | 'retried' | 'deferred' | 'dead';

type Ran = { op: ClaimedOp; record: (AccountRecord & { desiredVersion: number }) | null; result?: ConvergeResult; error?: unknown; causes: readonly OpCause[] };

/**
 * The provisioning worker: for each target, claims due operations in batches, brings each
 * account in line through the target's connector with up to `concurrency` calls in flight (times the calls one
 * request carries, for a target that sends them together: SCIM /Bulk), and
 * records the outcome in one transaction per batch. Failures back off with jitter; a target that
 * keeps failing opens its circuit, and its queue waits without spending attempts.
 */
export class ProvisioningWorker {
  readonly #o: ProvisioningWorkerOptions;
  /** The provisioning queue, one key (and circuit) per target. */
  readonly #queue: DurableQueue<ClaimedOp>;
  readonly #loop: PollingLoop;

  constructor(options: ProvisioningWorkerOptions) {
    this.#o = options;
    const { store, clock, workerId, leaseMs, maxAttempts, backoff, breaker } = options;
    const random = options.random ? { random: options.random } : {};
    this.#queue = new DurableQueue({ store, clock, table: OP_QUEUE, workerId, leaseMs, maxAttempts, backoff, circuits: breaker, keys: options.targets.keys(), ...random });
    const targets = [...options.targets.keys()];
    this.#loop = new PollingLoop({
      pollMs: options.pollMs,
      loops: targets.length,
      round: async (i, signal) => {
        const target = targets[i];
        if (target !== undefined) await this.#drain(target, signal);
      },
      onError: options.onError ?? (() => {}),
    });
  }

  breaker(target: string): CircuitBreaker | undefined {
    return this.#o.targets.has(target) ? this.#queue.circuit(target) : undefined;
  }

  start(): void {
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /** One pass over every target: claims and runs one batch each. The number of operations claimed. */
  async runOnce(): Promise<number> {
    const counts = await Promise.all([...this.#o.targets.keys()].map((t) => this.#runTarget(t)));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Each target drains its queue in a polling loop of its own, so a slow target holds back no other's batches. */
  async #drain(target: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted && (await this.#runTarget(target)) > 0);
  }

  async #runTarget(target: string): Promise<number> {
    const { store, batchSize } = this.#o;
    const ops = await this.#queue.claim(batchSize, target);
    if (ops.length === 0) return 0;
    const records = await loadRecords(store, target, [...new Set(ops.map((o) => o.identityId))], this.#o.targets.get(target)?.managerOnLeave);
    const ran = await this.#converge(
      target,
      ops,
      records,
      await opCauses(
        store,
        ops.map((o) => o.id),
      ),
    );
    await this.#record(target, ran);
    return ops.length;
  }

  async #converge(target: string, ops: readonly ClaimedOp[], records: Map<string, AccountRecord & { desiredVersion: number }>, causes: Map<number, OpCause[]>): Promise<Ran[]> {
    const { connector, concurrency } = this.#o.targets.get(target) as ProvisioningTarget;
    const lanes = concurrency * (await callsPerRequest(connector));
    const queue = this.#queue;
    const seen = new Set<string>();
    const ran: Ran[] = ops.map((op) => ({ op, record: null, causes: causes.get(op.id) ?? [] }));
    const work = ran.filter((r) => {
      // two claimed operations for one account (an expired lease and a newer one): the first does the work
      if (seen.has(r.op.identityId)) return false;
      seen.add(r.op.identityId);
      r.record = records.get(r.op.identityId) ?? null;
      return r.record !== null;
    });
    let next = 0;
    const lane = async () => {
      while (next < work.length) {
        const item = work[next++] as Ran;
        if (queue.isOpen(target)) {
          item.error = unavailableWhileOpen(target);
          continue;
        }
        try {
          item.result = await convergeAccount(connector, item.record as AccountRecord);
          queue.succeeded(target);
        } catch (error) {
          item.error = error;
          if (isMusterError(error, 'MUSTER_ERR_TARGET_UNAVAILABLE')) queue.unavailable(target);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(lanes, Math.max(work.length, 1)) }, lane));
    return ran;
  }

  async #record(target: string, ran: readonly Ran[]): Promise<void> {
    const { store, clock, audit, workerId } = this.#o;
    const now = clock.now();
    const ok = ran.filter((r) => !r.error);
    const writes: SyncWrite[] = ok
      .filter((r) => r.result && r.record)
      .map((r) => ({ identityId: r.op.identityId, remoteId: r.result?.remoteId ?? null, synced: r.result?.synced ?? null, version: r.record?.desiredVersion ?? 0 }));
    const tickets: OpenedTicket[] = ok.flatMap((r) =>
      (r.result?.tickets ?? []).map((t) => ({
        id: t.ticket,
        target,
        identityId: r.op.identityId,
        accountRef: r.record?.key ?? '',
        operation: t.operation,
        eventId: newestCause(r.causes)?.eventId ?? null,
      })),
    );
    const groups: AuditGroup[] = ok
      .filter((r) => (r.result?.calls.length ?? 0) > 0)
      .map((r) =>
        threaded(target, r.causes, {
          actor: PROVISIONING_ACTOR,
          action: 'provision.applied',
          target: r.op.identityId,
          reason: `${target}: ${r.result?.calls.join(', ')}`,
          data: { target, account: r.record?.key, remote_id: r.result?.remoteId, calls: r.result?.calls, op_id: r.op.id, attempts: r.op.attempts },
        }),
      );
    const dueMs = this.#o.targets.get(target)?.ticketDueMs ?? 0;
    await store.transaction(async (tx) => {
      await recordSynced(
        tx,
        target,
        writes,
        ok.map((r) => r.op.id),
        workerId,
        now,
      );
      await recordTickets(tx, tickets, now, new Date(now.getTime() + dueMs));
      await audit.appendGroups(tx, groups);
      await this.#queueReports(tx, target, ok, now);
    });
    for (const r of ok) this.#o.onOutcome?.(target, 'done', r.op);
    for (const r of ran.filter((x) => x.error)) await this.#fail(target, r, r.error);
  }

  /**
   * A manager's account that appeared in the target (made or linked), or was enabled or disabled, changes what its
   * reports' accounts should name: those out of step are provisioned again, for the events the manager's carried.
   */
  async #queueReports(tx: Tx, target: string, ok: readonly Ran[], now: Date): Promise<void> {
    const onLeave = this.#o.targets.get(target)?.managerOnLeave;
    if (!onLeave) return;
    const changed = new Map<string, readonly OpCause[]>();
    for (const r of ok) {
      const before = r.record;
      const after = r.result;
      if (before && after && (after.remoteId !== before.remoteId || after.synced?.enabled !== before.synced?.enabled)) changed.set(r.op.identityId, r.causes);
    }
    const reports = await reportsOutOfStep(tx, target, [...changed.keys()], onLeave);
    const why = (manager: string) => (changed.get(manager) ?? []).map((c) => c.eventId);
    await queueProvisioning(
      tx,
      reports.map(({ report, manager }) => [target, report, `the account of the manager changed in ${target}`, why(manager)] as const),
      now,
    );
  }

  async #fail(target: string, { op, causes }: Ran, error: unknown): Promise<void> {
    const { store, clock, audit, workerId } = this.#o;
    const now = clock.now();
    const message = describeError(error);
    const unavailable = isMusterError(error, 'MUSTER_ERR_TARGET_UNAVAILABLE');
    const next = this.#queue.afterFailure(op, unavailable ? { keyUnavailable: target } : {});
    const outcome: OpOutcome = await store.transaction(async (tx) => {
      if (!next.retry) {
        if (!(await markOpDead(tx, op, message, workerId, now))) return 'done';
        const data = { op_id: op.id, target, identity_id: op.identityId, attempts: op.attempts, error: message };
        await audit.appendGroups(tx, [threaded(target, causes, { actor: PROVISIONING_ACTOR, action: 'provision.dead', target: op.identityId, reason: message, data })]);
        return 'dead';
      }
      if (await requeueOp(tx, op, next.runAfter, message, !unavailable, workerId, now)) return unavailable ? 'deferred' : 'retried';
      await carryOpEvents(tx, op.id, op.target, op.identityId);
      return 'done';
    });
    this.#o.onOutcome?.(target, outcome, op);
  }
}

/**
 * How many calls go out together in one request of the target (SCIM /Bulk), once it has said what it can do; 1 when it
 * cannot say (the calls then fail on their own if it is down).
 */
async function callsPerRequest(connector: Connector): Promise<number> {
  const capabilities = connector.discover ? await connector.discover().catch(() => connector.capabilities) : connector.capabilities;
  return Math.max(1, capabilities.callsPerRequest ?? 1);
}

function newestCause(causes: readonly OpCause[]): OpCause | undefined {
  return causes.at(-1);
}

/**
 * An entry about an operation goes under the correlation id of the newest event it carries (the change the account
 * now matches) and names every event it carried; an operation no event queued keeps `provision-<target>`.
 */
function threaded(target: string, causes: readonly OpCause[], draft: AuditDraft): AuditGroup {
  const newest = newestCause(causes);
  if (!newest) return { drafts: [draft], correlationId: `provision-${target}` };
  const data = { ...draft.data, event_id: newest.eventId, ...(causes.length > 1 ? { event_ids: causes.map((c) => c.eventId) } : {}) };
  return { drafts: [{ ...draft, data }], correlationId: newest.correlationId };
}

function unavailableWhileOpen(target: string): Error {
  return new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', `target '${target}' is unavailable (circuit open)`);
}

import type { Clock } from '../core/clock.ts';
import type { OpOutcome } from '../lifecycle/provision/worker.ts';
import type { ProvisioningOp } from '../lifecycle/provision/ops.ts';
import { type Logger, errorFields } from './log.ts';
import { type BreakerSource, type Metrics, tripped } from './metrics.ts';

/** What the long-running processes report to: JSON logs, and metrics when the process serves them. */
export interface Observability {
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
}

export interface ProvisioningObserver {
  onOutcome(target: string, outcome: OpOutcome, op: ProvisioningOp): void;
  onError(error: unknown): void;
  /** Once the worker exists: its breakers feed the circuit gauge and the opened/closed lines. */
  watch(worker: BreakerSource, targets: readonly string[]): void;
}

/** Counts every finished operation, logs the ones that matter, and notes each circuit that opens or closes. */
export function observeProvisioning(o: Observability, clock: Clock): ProvisioningObserver {
  const log = o.log.child({ worker: 'provisioning' });
  let worker: BreakerSource | undefined;
  const open = new Set<string>();
  const noteBreaker = (target: string) => {
    const now = tripped(worker?.breaker(target), clock);
    if (now === open.has(target)) return;
    if (now) {
      open.add(target);
      log.warn({ target, reopensAt: reopensAt(worker, target) }, 'circuit opened: the target is unavailable, its queue waits');
    } else {
      open.delete(target);
      log.info({ target }, 'circuit closed: the target answers again');
    }
  };
  return {
    onOutcome(target, outcome, op) {
      o.metrics?.countOutcome(target, outcome);
      const fields = { target, op: op.id, identityId: op.identityId, attempts: op.attempts, outcome };
      if (outcome === 'done') log.debug(fields, 'operation done');
      else log.warn(fields, outcome === 'dead' ? 'operation dead-lettered' : `operation ${outcome}`);
      noteBreaker(target);
    },
    onError: (error) => log.error({ error: errorFields(error) }, 'provisioning round failed'),
    watch(source, targets) {
      worker = source;
      o.metrics?.watchBreakers(source, targets);
    },
  };
}

function reopensAt(worker: BreakerSource | undefined, target: string): string | undefined {
  const at = worker?.breaker(target)?.reopensAt;
  return at == null ? undefined : new Date(at).toISOString();
}

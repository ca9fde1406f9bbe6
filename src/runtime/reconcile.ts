import type { Connector } from '../connectors/accounts/port.ts';
import { MusterError } from '../core/errors.ts';
import { archiveAccounts } from '../lifecycle/reconcile/archive.ts';
import { type ReconciliationRun, getRun, reconcileTarget } from '../lifecycle/reconcile/index.ts';
import type { Muster } from './context.ts';
import { openConnector } from './connectors.ts';
import type { ConnectorFactory } from './targets.ts';

/** Who asked for a run (the audit actor and correlation id). */
export interface RequestedBy {
  readonly actor: string;
  readonly correlationId: string;
  /** Only what changed since the last run's high-water mark, where the target keeps marks (see ReconcileOptions). */
  readonly incremental?: boolean;
}

export interface StartedRun {
  /** The run as recorded when it started (status running). */
  readonly run: ReconciliationRun;
  /** The run once it has finished, done or failed; never rejects. */
  readonly finished: Promise<ReconciliationRun>;
}

const FACTORIES = new WeakMap<Muster, ConnectorFactory>();
const RUNNING = new WeakMap<Muster, Set<string>>();

/** Builds this muster's connectors with `factory` instead of from the configuration (tests). */
export function useConnectorFactory(muster: Muster, factory: ConnectorFactory): void {
  FACTORIES.set(muster, factory);
}

/** The connector of a configured target (as reconciliation reads it), or undefined for a target not configured. */
export function targetConnector(muster: Muster, target: string): Connector | undefined {
  const config = muster.config.targets[target];
  return config ? (FACTORIES.get(muster) ?? openConnector)(target, config) : undefined;
}

/** The connector of a configured target; MUSTER_ERR_NOT_FOUND for a target that is not configured. */
function connectorFor(muster: Muster, target: string): Connector {
  const config = muster.config.targets[target];
  if (!config) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no target '${target}' is configured`, [{ field: 'target', value: target, message: 'no such target' }]);
  return (FACTORIES.get(muster) ?? openConnector)(target, config);
}

interface Launched {
  /** Resolves once the run is recorded; rejects when it is refused before that. */
  readonly started: Promise<ReconciliationRun>;
  /** The finished run, or the error that failed it. */
  readonly finished: Promise<ReconciliationRun>;
}

/** Refused at once for an unknown target (404), one already being reconciled here (409), or one that cannot list (409). */
function launch(muster: Muster, target: string, by: RequestedBy): Launched {
  const running = RUNNING.get(muster) ?? new Set<string>();
  RUNNING.set(muster, running);
  if (running.has(target)) throw new MusterError('MUSTER_ERR_CONFLICT', `target '${target}' is being reconciled already`, [{ field: 'target', value: target, message: 'a run is under way' }]);
  const connector = connectorFor(muster, target);
  running.add(target);
  const begun = Promise.withResolvers<ReconciliationRun>();
  const { config, store, audit, clock } = muster;
  const options = {
    target,
    accountKey: config.targets[target]?.accountKey ?? [],
    orphanAction: config.lifecycle.orphans.action,
    membershipAction: config.lifecycle.memberships.action,
    ...by,
    onStart: begun.resolve,
  };
  const finished = reconcileTarget({ store, audit, clock }, connector, options).finally(async () => {
    running.delete(target);
    await connector.close();
  });
  finished.catch(begun.reject);
  return { started: begun.promise, finished };
}

/** Starts reconciling a target and answers once the run is recorded; the run goes on. */
export async function startReconciliation(muster: Muster, target: string, by: RequestedBy): Promise<StartedRun> {
  const { started, finished } = launch(muster, target, by);
  const run = await started;
  // the failure is recorded in the run; whoever waits gets the run as recorded
  return { run, finished: finished.catch(() => getRun(muster.store, run.id).catch(() => run)) };
}

/** Reconciles a target and waits for the end; a failed run throws the error that failed it. */
export async function reconcileNow(muster: Muster, target: string, by: RequestedBy): Promise<ReconciliationRun> {
  const { started, finished } = launch(muster, target, by);
  started.catch(() => {});
  return finished;
}

/** Archives disabled orphans and leavers' disabled accounts that are due (config.lifecycle). */
export function runArchiveSweeps(muster: Muster): Promise<{ orphans: number; leavers: number }> {
  const { store, audit, clock, config } = muster;
  return archiveAccounts({ store, audit, clock }, { orphans: config.lifecycle.orphans.archiveAfterDays, leavers: config.lifecycle.archiveAfterDays });
}

/** The archive sweeps as a periodic pass of the outbox worker. */
export function archiveSweep(muster: Muster): () => Promise<void> {
  return async () => {
    await runArchiveSweeps(muster);
  };
}

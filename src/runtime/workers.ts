import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Muster } from './context.ts';
import type { Backoff } from '../queue/backoff.ts';
import type { JobHandlerRegistry } from '../lifecycle/handlers.ts';
import { accountPurgeSweep } from '../protocols/ssf/signals/purge.ts';
import { signalDeps } from './ssf.ts';
import { lifecycleHandlers } from './job-handlers.ts';
import { accessTargetsOf } from './targets.ts';
import { trainingExpirySweep } from '../lifecycle/access/training-expiry.ts';
import { JobWorker, type JobWorkerOptions } from '../lifecycle/worker.ts';
import { escalationSweep, ticketTargetsOf } from '../lifecycle/tickets/index.ts';
import { archiveSweep } from './reconcile.ts';
import { PENDING_EXPIRY_TASK } from '../operators/pending-actions.ts';
import { pendingActions } from './pending-actions.ts';
import { governanceSweeps } from './governance.ts';
import { ACCESS_REQUESTS_TASK, accessRequestsSweep } from './access-requests.ts';

export const WORKER_DEFAULTS = Object.freeze({
  batchSize: 20,
  leaseMs: 5 * 60_000,
  backoff: Object.freeze({ baseMs: 1000, maxMs: 15 * 60_000 }) as Backoff,
});

export type WorkerOverrides = Partial<Omit<JobWorkerOptions, 'store' | 'clock' | 'audit' | 'handlers'>> & { readonly handlers?: JobHandlerRegistry };

/** A unique worker id: host, process and a random suffix. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** A worker over a started muster, from config.workers (pollMs, maxAttempts) and the defaults. */
export function createJobWorker(muster: Muster, overrides: WorkerOverrides = {}): JobWorker {
  const { store, clock, audit, config } = muster;
  return new JobWorker({
    store,
    clock,
    audit,
    handlers: lifecycleHandlers({ notifier: muster.notifier, targets: accessTargetsOf(config), config, vault: muster.keyVault }),
    workerId: newWorkerId(),
    ...WORKER_DEFAULTS,
    pollMs: config.workers.pollMs,
    maxAttempts: config.workers.maxAttempts,
    leaseMs: config.workers.leaseSeconds * 1000,
    scheduler: muster.scheduler,
    sweeps: [
      { name: 'tickets.escalation', run: escalationSweep({ store, clock, audit }, ticketTargetsOf(config)) },
      { name: 'reconcile.archive', singleton: true, run: archiveSweep(muster) },
      { name: 'access.training-expiry', run: trainingExpirySweep(store, clock) },
      { name: 'signals.account-purge', singleton: true, run: accountPurgeSweep(signalDeps(muster), config.lifecycle.archiveAfterDays) },
      { name: ACCESS_REQUESTS_TASK, run: accessRequestsSweep(muster) },
      {
        name: PENDING_EXPIRY_TASK,
        singleton: true,
        run: async () => {
          await pendingActions(muster).expireDue();
        },
      },
      ...governanceSweeps(muster),
    ],
    ...overrides,
  });
}

/**
 * Starts the outbox worker when config.workers.enabled; returns its stop function (for the
 * `onReady` hook of `muster serve`), or undefined when workers are turned off.
 */
export function startJobWorker(muster: Muster, overrides: WorkerOverrides = {}): (() => Promise<void>) | undefined {
  if (!muster.config.workers.enabled) return undefined;
  const worker = createJobWorker(muster, overrides);
  worker.start();
  return () => worker.stop();
}

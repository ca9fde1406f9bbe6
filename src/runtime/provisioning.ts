import type { Connector } from '../connectors/accounts/port.ts';
import { ProvisioningWorker, type ProvisioningWorkerOptions, type ProvisioningTarget } from '../lifecycle/provision/worker.ts';
import type { Muster } from './context.ts';
import { openConnectors } from './connectors.ts';
import { newWorkerId } from './workers.ts';

export type ProvisioningOverrides = Partial<Omit<ProvisioningWorkerOptions, 'store' | 'clock' | 'audit' | 'targets'>> & {
  /** Connectors to use instead of those built from the configuration (tests). */
  readonly connectors?: ReadonlyMap<string, Connector>;
};

export interface RunningProvisioning {
  readonly worker: ProvisioningWorker;
  stop(): Promise<void>;
}

/** The provisioning worker over a started muster, from config.targets and config.lifecycle.provisioning. */
export function createProvisioningWorker(muster: Muster, overrides: ProvisioningOverrides = {}): { worker: ProvisioningWorker; connectors: ReadonlyMap<string, Connector> } {
  const { config, store, clock, audit } = muster;
  const connectors = overrides.connectors ?? openConnectors(config);
  const targets = new Map<string, ProvisioningTarget>();
  for (const [name, connector] of connectors) {
    const t = config.targets[name];
    const managers = connector.capabilities.managers ? { managerOnLeave: t?.kind === 'ad' ? t.managerOnLeave : ('keep' as const) } : {};
    targets.set(name, { connector, concurrency: t?.concurrency ?? 8, ticketDueMs: t?.kind === 'ticket' ? t.escalateAfterHours * 3_600_000 : 0, ...managers });
  }
  const p = config.lifecycle.provisioning;
  const worker = new ProvisioningWorker({
    store,
    clock,
    audit,
    targets,
    workerId: newWorkerId(),
    batchSize: p.batchSize,
    leaseMs: config.workers.leaseSeconds * 1000,
    maxAttempts: p.maxAttempts,
    backoff: { baseMs: 1000, maxMs: 5 * 60_000 },
    breaker: { failures: p.breaker.failures, openMs: p.breaker.openSeconds * 1000 },
    pollMs: p.pollMs,
    ...overrides,
  });
  return { worker, connectors };
}

/** Starts provisioning when workers are enabled and targets are configured; its stop closes the connectors. */
export function startProvisioning(muster: Muster, overrides: ProvisioningOverrides = {}): RunningProvisioning | undefined {
  if (!muster.config.workers.enabled) return undefined;
  if (!overrides.connectors && Object.keys(muster.config.targets).length === 0) return undefined;
  const { worker, connectors } = createProvisioningWorker(muster, overrides);
  worker.start();
  return {
    worker,
    stop: async () => {
      await worker.stop();
      if (!overrides.connectors) await Promise.all([...connectors.values()].map((c) => c.close()));
    },
  };
}

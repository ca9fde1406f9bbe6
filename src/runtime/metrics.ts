import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../core/clock.ts';
import type { CircuitBreaker } from '../queue/circuit.ts';
import type { OpOutcome } from '../lifecycle/provision/worker.ts';
import type { QueueStats } from '../queue/stats-repository.ts';
import type { Queryable } from '../store/store.ts';
import { type StoreSnapshot, emptyKind, emptyTarget, readSnapshot } from './metrics-snapshot.ts';

const OUTCOMES: readonly OpOutcome[] = ['done', 'retried', 'deferred', 'dead'];
const QUEUE_STATUSES = ['pending', 'running', 'dead'] as const;

export interface MetricsSource {
  readonly store: Queryable;
  readonly clock: Clock;
  readonly config: { readonly targets: Readonly<Record<string, unknown>> };
  /** The process's scheduler: its runs are shown too. */
  readonly scheduler?: { attachMetrics(registry: Registry): void };
}

/** What a provisioning worker shows the metrics: its breakers. */
export interface BreakerSource {
  breaker(target: string): CircuitBreaker | undefined;
}

/** The metrics of one muster process, on its own registry. */
export interface Metrics {
  readonly registry: Registry;
  /** Prometheus text format 0.0.4. */
  readonly contentType: string;
  /** One scrape: the store is read once, then every metric is written. */
  text(): Promise<string>;
  /** Counts a finished provisioning operation (the worker's onOutcome). */
  countOutcome(target: string, outcome: OpOutcome): void;
  /** Reports the circuit breakers of this process's provisioning worker. */
  watchBreakers(source: BreakerSource, targets: readonly string[]): void;
  /** Counts a connection a listener closed at once past one of its caps (server.limits). */
  countRefusedConnection(listener: string, reason: string): void;
}

export interface MetricsOptions {
  /** prom-client's process metrics (CPU, memory, event loop, GC); default true. */
  readonly processMetrics?: boolean;
}

/** A registry of its own (never prom-client's global one), with collectors that read the store at scrape time. */
export function createMetrics(source: MetricsSource, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  let current: Promise<StoreSnapshot> | undefined;
  const snapshot = () => current ?? readSnapshot(source.store, source.clock.now());
  registerStoreMetrics(registry, snapshot, Object.keys(source.config.targets));
  const local = registerProcessMetrics(registry, source.clock);
  source.scheduler?.attachMetrics(registry);
  return {
    registry,
    contentType: registry.contentType,
    ...local,
    async text() {
      const mine = readSnapshot(source.store, source.clock.now());
      current = mine;
      try {
        return await registry.metrics();
      } finally {
        if (current === mine) current = undefined;
      }
    },
  };
}

function registerStoreMetrics(registry: Registry, snapshot: () => Promise<StoreSnapshot>, configured: readonly string[]): void {
  const seenKinds = new Set<string>();
  const targetsOf = (s: StoreSnapshot) => [...new Set([...configured, ...s.targets.keys()])].sort().map((t) => [t, s.targets.get(t) ?? emptyTarget()] as const);
  gauge(registry, 'muster_provisioning_queue_depth', 'Provisioning operations by target and status (pending, running, dead)', ['target', 'status'], async (g) => {
    for (const [target, d] of targetsOf(await snapshot())) for (const status of QUEUE_STATUSES) g.set({ target, status }, d[status]);
  });
  gauge(registry, 'muster_provisioning_lag_seconds', 'Age of the oldest pending or running provisioning operation', ['target'], async (g) => {
    for (const [target, d] of targetsOf(await snapshot())) g.set({ target }, d.lagSeconds);
  });
  gauge(registry, 'muster_provisioning_failing', 'Pending provisioning operations whose last attempt failed', ['target'], async (g) => {
    for (const [target, d] of targetsOf(await snapshot())) g.set({ target }, d.failing);
  });
  gauge(registry, 'muster_jobs', 'Outbox jobs by kind and status (pending, running, dead)', ['kind', 'status'], async (g) => {
    const s = await snapshot();
    for (const kind of s.jobs.keys()) seenKinds.add(kind);
    // a kind seen once keeps its series at zero, so alerts see the queue drain rather than vanish
    for (const kind of [...seenKinds].sort()) for (const status of QUEUE_STATUSES) g.set({ kind, status }, (s.jobs.get(kind) ?? emptyKind())[status]);
  });
  gauge(registry, 'muster_jobs_lag_seconds', 'Age of the oldest due pending outbox job', [], async (g) => g.set((await snapshot()).jobsLagSeconds));
  const queues: readonly [string, string, keyof QueueStats][] = [
    ['muster_queue_depth', 'Items still to do in each durable queue (jobs, provisioning, signals): waiting or claimed', 'depth'],
    ['muster_queue_oldest_age_seconds', 'Age of the oldest item still to do in each durable queue', 'oldestAgeSeconds'],
    ['muster_queue_claimed', 'Items of each durable queue a worker holds now (under a lease)', 'claimed'],
    ['muster_queue_dead', 'Dead letters of each durable queue, kept for a person to retry', 'dead'],
  ];
  for (const [name, help, field] of queues) {
    gauge(registry, name, help, ['queue'], async (g) => {
      for (const [queue, stats] of (await snapshot()).queues) g.set({ queue }, stats[field]);
    });
  }
  gauge(registry, 'muster_sod_refusals', 'Separation-of-duties refusals standing, each audited once (sod.refused)', [], async (g) => g.set((await snapshot()).sodRefusals.standing));
  gauge(registry, 'muster_sod_refusal_repeats', 'Recomputes that refused a standing separation-of-duties refusal again, not audited again', [], async (g) =>
    g.set((await snapshot()).sodRefusals.repeats),
  );
  new Counter({
    name: 'muster_lifecycle_events_total',
    help: 'Lifecycle events recorded, by type',
    labelNames: ['type'],
    registers: [registry],
    async collect() {
      const events = (await snapshot()).events;
      this.reset();
      for (const [type, n] of events) this.inc({ type }, n);
    },
  });
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>) => Promise<void>): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      await fill(this);
    },
  });
}

function registerProcessMetrics(registry: Registry, clock: Clock): Pick<Metrics, 'countOutcome' | 'watchBreakers' | 'countRefusedConnection'> {
  const refused = new Counter({
    name: 'muster_connections_refused_total',
    help: 'Connections closed as soon as accepted, past the cap of the listener or of the client address',
    labelNames: ['listener', 'reason'],
    registers: [registry],
  });
  const operations = new Counter({
    name: 'muster_provisioning_operations_total',
    help: 'Provisioning operations finished by this process, by outcome',
    labelNames: ['target', 'outcome'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'muster_provisioning_errors_total',
    help: 'Failed provisioning attempts in this process (retried, deferred or dead)',
    labelNames: ['target'],
    registers: [registry],
  });
  const watched: { source: BreakerSource; targets: readonly string[] }[] = [];
  new Gauge({
    name: 'muster_target_circuit_open',
    help: "1 while a target's circuit is open or half-open in this process's provisioning worker",
    labelNames: ['target'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of watched) for (const target of w.targets) this.set({ target }, tripped(w.source.breaker(target), clock) ? 1 : 0);
    },
  });
  return {
    countRefusedConnection: (listener, reason) => refused.inc({ listener, reason }),
    countOutcome(target, outcome) {
      operations.inc({ target, outcome });
      if (outcome !== 'done') errors.inc({ target });
    },
    watchBreakers(source, targets) {
      watched.push({ source, targets });
      // every series from the start, so rate() sees the first failure
      for (const target of targets) {
        for (const outcome of OUTCOMES) operations.inc({ target, outcome }, 0);
        errors.inc({ target }, 0);
      }
    },
  };
}

/** Open, or half-open waiting for its trial: the target is not being served normally. */
export function tripped(breaker: CircuitBreaker | undefined, clock: Clock): boolean {
  return breaker !== undefined && breaker.state(clock.now().getTime()) !== 'closed';
}

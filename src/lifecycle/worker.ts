import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError, isMusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import type { Backoff, RandomSource } from '../queue/backoff.ts';
import { DurableQueue } from '../queue/durable-queue.ts';
import { PollingLoop } from '../queue/polling-loop.ts';
import { expireNonPersonEntities } from './expiry.ts';
import type { BatchItem, BatchJobHandler, JobContext, JobHandler, JobHandlerRegistry } from './handlers.ts';
import type { Job } from './jobs.ts';
import { Scheduler, type PeriodicTask } from '../queue/scheduler.ts';
import { type Claimed, JOB_QUEUE, holdClaim, holdClaims, markAllDone, markDead, markDone, markRetry, releaseClaims } from './queue.ts';

/** The audit actor of outbox bookkeeping (dead letters). */
export const WORKER_ACTOR = 'muster:worker';

export interface JobWorkerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly handlers: JobHandlerRegistry;
  /** Names this worker in `jobs.locked_by`; unique per process. */
  readonly workerId: string;
  /** Jobs claimed per round trip. */
  readonly batchSize: number;
  /** How long a claim holds before another worker may take the job over. */
  readonly leaseMs: number;
  /** Attempts (claims) before a job is dead-lettered. */
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  /** For the back-off jitter; Math.random by default. */
  readonly random?: RandomSource;
  /** Pause between polling rounds of `start()` (config.workers.pollMs); default 500. */
  readonly pollMs?: number;
  /** Time, by the clock, between the sweeps (NPE expiry, the extra sweeps, the audit checkpoint); default one minute; 0 turns sweeps off. */
  readonly sweepEveryMs?: number;
  /** More periodic passes beside the NPE expiry sweep (ticket escalation …), each a task of its own name. */
  readonly sweeps?: readonly NamedSweep[];
  /** The process's scheduler, on which start() registers the sweeps; without one the worker keeps a scheduler of its own. */
  readonly scheduler?: Scheduler;
  /** Polling loops side by side on stores with several connections; always 1 on PGlite. */
  readonly loops?: number;
  /** Told about a failed round (store down, audit refused); the loop carries on. */
  readonly onError?: (error: unknown) => void;
}

/** A periodic pass of the worker, named for logs and /metrics. */
export interface NamedSweep {
  readonly name: string;
  /** Run by one process at a time across workers sharing a PostgreSQL (the rest skip that turn). */
  readonly singleton?: boolean;
  readonly run: () => Promise<void>;
}

/** The sweeps every worker runs: expired NPEs suspended, and the audit entries of the last minute sealed by a signed checkpoint. */
export const NPE_EXPIRY_TASK = 'lifecycle.npe-expiry';
export const AUDIT_CHECKPOINT_TASK = 'audit.checkpoint';

export interface RunResult {
  readonly claimed: number;
  readonly done: number;
  readonly retried: number;
  readonly dead: number;
}

type Outcome = 'done' | 'retried' | 'dead' | 'lost';

/** Stores on which a worker loop runs in this process: an embedded store gets exactly one. */
const LOOPING = new WeakSet<Store>();

/**
 * The outbox worker: claims due jobs (and jobs whose worker died), runs each handler in its own
 * transaction with the job's completion, retries failures with jittered exponential back-off, and
 * dead-letters a job after maxAttempts or when no handler knows its kind.
 */
export class JobWorker {
  readonly #o: JobWorkerOptions;
  readonly #queue: DurableQueue<Claimed>;
  readonly #loop: PollingLoop;
  #scheduler: Scheduler | undefined;
  /** Claims whose transaction the store cut off (connection lost): given back when the store answers again. */
  #cutOff: Job[] = [];

  constructor(options: JobWorkerOptions) {
    this.#o = options;
    const { store, clock, workerId, leaseMs, maxAttempts, backoff } = options;
    this.#queue = new DurableQueue({ store, clock, table: JOB_QUEUE, workerId, leaseMs, maxAttempts, backoff, ...(options.random ? { random: options.random } : {}) });
    const loops = options.store.capabilities.multipleConnections ? (options.loops ?? 1) : 1;
    this.#loop = new PollingLoop({ pollMs: options.pollMs ?? 500, loops, round: (i, signal) => this.#round(i, signal), onError: options.onError ?? (() => {}) });
  }

  get running(): boolean {
    return this.#loop.running;
  }

  /**
   * One pass: claim up to batchSize jobs and run them, one transaction each. When the store goes
   * away mid-pass, the jobs not finished are given back (not dead-lettered) once it answers again,
   * and the pass fails with MUSTER_ERR_STORE_UNAVAILABLE.
   */
  async runOnce(): Promise<RunResult> {
    await this.#giveBack();
    const claimed = await this.#queue.claim(this.#o.batchSize);
    const unfinished = new Set(claimed.map((c) => c.job));
    try {
      return await this.#runClaimed(claimed, unfinished);
    } catch (error) {
      if (isMusterError(error, 'MUSTER_ERR_STORE_UNAVAILABLE')) this.#cutOff.push(...unfinished);
      throw error;
    }
  }

  async #runClaimed(claimed: readonly Claimed[], unfinished: Set<Job>): Promise<RunResult> {
    const counts = { claimed: claimed.length, done: 0, retried: 0, dead: 0 };
    const { single, batches } = this.#partition(claimed);
    for (const [handler, items] of batches) {
      const done = await this.#processBatch(handler, items);
      if (!done) {
        single.push(...items);
        continue;
      }
      counts.done += done;
      for (const c of items) unfinished.delete(c.job);
    }
    for (const c of single.sort((a, b) => a.job.id - b.job.id)) {
      const outcome = await this.#process(c);
      unfinished.delete(c.job);
      if (outcome !== 'lost') counts[outcome]++;
    }
    return counts;
  }

  /** Gives back the claims cut off by a lost connection; throws while the store is still away. */
  async #giveBack(): Promise<void> {
    if (this.#cutOff.length === 0) return;
    await releaseClaims(this.#o.store, this.#cutOff, this.#o.workerId, this.#o.clock.now());
    this.#cutOff = [];
  }

  /** Jobs of batch kinds grouped by handler (when more than one is claimed); the rest run one by one. */
  #partition(claimed: readonly Claimed[]): { single: Claimed[]; batches: Map<BatchJobHandler, Claimed[]> } {
    const single: Claimed[] = [];
    const batches = new Map<BatchJobHandler, Claimed[]>();
    for (const c of claimed) {
      const handler = this.#o.handlers.get(c.job.kind);
      if (!handler || typeof handler === 'function' || c.job.attempts > 1) single.push(c);
      else batches.set(handler, [...(batches.get(handler) ?? []), c]);
    }
    for (const [handler, items] of batches) {
      if (items.length > 1) continue;
      single.push(...items);
      batches.delete(handler);
    }
    return { single, batches };
  }

  /** Runs a batch in one transaction; the number done, or 0 when it failed (each job is then run alone). */
  async #processBatch(handler: BatchJobHandler, claimed: readonly Claimed[]): Promise<number> {
    const { store, clock, audit, workerId } = this.#o;
    try {
      return await store.transaction(async (tx) => {
        const ids = await holdClaims(
          tx,
          claimed.map((c) => c.job),
          workerId,
        );
        const held: BatchItem[] = claimed.filter((c) => ids.has(c.job.id)).map((c) => ({ job: c.job, correlationId: c.correlationId ?? `job-${c.job.id}` }));
        if (held.length === 0) return 0;
        const now = clock.now();
        await handler.batch(held, tx, { clock, audit, workerId, now, contextOf: (item) => this.#context(item.job, item.correlationId, now) });
        await markAllDone(
          tx,
          held.map((h) => h.job),
          clock.now(),
        );
        return held.length;
      });
    } catch (error) {
      if (isMusterError(error, 'MUSTER_ERR_STORE_UNAVAILABLE')) throw error;
      return 0;
    }
  }

  /** Starts polling, and the sweeps on the scheduler. Refused when another loop already runs on the same embedded store. */
  start(): void {
    if (this.#loop.running) return;
    const { store } = this.#o;
    if (!store.capabilities.multipleConnections) {
      if (LOOPING.has(store)) throw new MusterError('MUSTER_ERR_CONFLICT', `a job worker already runs on this ${store.adapter} store; an embedded store takes exactly one`);
      LOOPING.add(store);
    }
    this.#loop.start();
    this.#startSweeps();
  }

  /** Stops polling and the sweeps, and waits for the round and sweeps under way. */
  async stop(): Promise<void> {
    if (!this.#loop.running) return;
    await Promise.all([this.#loop.stop(), this.#stopSweeps()]);
    LOOPING.delete(this.#o.store);
  }

  /** The worker's periodic passes, each due every sweepEveryMs by the clock, the first at start. */
  #sweepTasks(): PeriodicTask[] {
    const everyMs = this.#o.sweepEveryMs ?? 60_000;
    if (everyMs <= 0) return [];
    const sweeps: NamedSweep[] = [
      {
        name: NPE_EXPIRY_TASK,
        run: async () => {
          await expireNonPersonEntities(this.#o.store, this.#o);
        },
      },
      ...(this.#o.sweeps ?? []),
    ];
    return [
      ...sweeps.map((s) => ({ name: s.name, everyMs, runAtStart: true, singleton: s.singleton === true, run: s.run })),
      { name: AUDIT_CHECKPOINT_TASK, everyMs, runAtStart: true, run: () => this.#o.store.transaction((tx) => this.#o.audit.seal(tx)) },
    ];
  }

  #startSweeps(): void {
    const tasks = this.#sweepTasks();
    if (tasks.length === 0) return;
    this.#scheduler = this.#o.scheduler ?? new Scheduler({ clock: this.#o.clock, store: this.#o.store });
    for (const task of tasks) this.#scheduler.add(task);
  }

  async #stopSweeps(): Promise<void> {
    const scheduler = this.#scheduler;
    this.#scheduler = undefined;
    if (!scheduler) return;
    if (scheduler !== this.#o.scheduler) return scheduler.stop();
    await Promise.all(this.#sweepTasks().map((t) => scheduler.remove(t.name)));
  }

  async #round(_index: number, signal: AbortSignal): Promise<void> {
    let result: RunResult;
    do result = await this.runOnce();
    while (result.claimed >= this.#o.batchSize && !signal.aborted);
  }

  async #process(claimed: Claimed): Promise<Outcome> {
    const { job } = claimed;
    const correlationId = claimed.correlationId ?? `job-${job.id}`;
    const handler = this.#o.handlers.get(job.kind);
    if (!handler) return this.#fail(claimed, correlationId, new MusterError('MUSTER_ERR_JOB_UNKNOWN', `no handler for job kind '${job.kind}'`), true);
    if (this.#queue.overClaimed(claimed)) {
      return this.#fail(claimed, correlationId, new MusterError('MUSTER_ERR_INTERNAL', `claimed ${job.attempts} times without finishing: its workers stopped or their leases expired`), true);
    }
    const { store, clock, workerId } = this.#o;
    const ctx = this.#context(job, correlationId, clock.now());
    const run: JobHandler = typeof handler === 'function' ? handler : (j, tx, c) => handler.batch([{ job: j, correlationId: c.correlationId }], tx, { ...c, contextOf: () => c });
    try {
      const ran = await store.transaction(async (tx) => {
        if (!(await holdClaim(tx, job, workerId))) return false;
        await run(job, tx, ctx);
        await markDone(tx, job, clock.now());
        return true;
      });
      return ran ? 'done' : 'lost';
    } catch (error) {
      if (isMusterError(error, 'MUSTER_ERR_STORE_UNAVAILABLE')) throw error; // not the job's fault: it is given back
      return this.#fail(claimed, correlationId, error, false);
    }
  }

  /** A job's context: its audit entries name its event and carry the request's correlation id. */
  #context(job: Job, correlationId: string, now: Date): JobContext {
    const { clock, audit, workerId } = this.#o;
    return { clock, audit: audit.forEvent(job.eventId), workerId, now, correlationId, causeEventId: job.eventId };
  }

  /** Records a failed attempt: back to pending after a back-off, or dead (audited) when out of attempts. */
  async #fail(claimed: Claimed, correlationId: string, error: unknown, final: boolean): Promise<Outcome> {
    const { store, clock, audit, workerId } = this.#o;
    const { job } = claimed;
    const now = clock.now();
    const message = describeError(error);
    return store.transaction(async (tx) => {
      if (!(await holdClaim(tx, job, workerId))) return 'lost';
      const next = this.#queue.afterFailure(claimed, { final });
      if (next.retry) {
        await markRetry(tx, job, next.runAfter, message, now);
        return 'retried';
      }
      await markDead(tx, job, message, now);
      const data = { job_id: job.id, kind: job.kind, idempotency_key: job.idempotencyKey, attempts: job.attempts, event_id: job.eventId, worker_id: workerId, error: message };
      await audit.append(tx, [{ actor: WORKER_ACTOR, action: 'job.dead', target: `job:${job.id}`, reason: message, data }], correlationId);
      return 'dead';
    });
  }
}

const MAX_ERROR = 2000;

export function describeError(error: unknown): string {
  const text = error instanceof MusterError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR)}…` : text;
}

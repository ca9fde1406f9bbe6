import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { SchedulerMetrics, type TaskOutcome } from './scheduler-metrics.ts';
import { tryTaskLock } from './task-lock-repository.ts';

export type { TaskOutcome } from './scheduler-metrics.ts';

/** A named piece of periodic work. */
export interface PeriodicTask {
  /** Unique in the scheduler; names the task in logs and in `/metrics`. */
  readonly name: string;
  /** Time from the end of one run to the start of the next, by the clock. */
  readonly everyMs?: number;
  /** Or: when the next run is due, given when the last one ended (or when the task was added). */
  readonly next?: (after: Date) => Date;
  /** Up to this much is added at random to every due time, so that processes do not run in step. */
  readonly jitterMs?: number;
  /** Run by one process at a time where the store has several (an advisory lock); the others skip that turn. */
  readonly singleton?: boolean;
  /** The first run right away; otherwise one interval after the task is added. */
  readonly runAtStart?: boolean;
  readonly run: () => Promise<void>;
}

/** A task began failing (with the error) or ran well again after failing. */
export interface TaskStateChange {
  readonly task: string;
  readonly failing: boolean;
  readonly error?: unknown;
}

export interface SchedulerOptions {
  /** Decides when tasks are due; timers only wake the scheduler to look. */
  readonly clock: Clock;
  /** For singleton tasks: its capability flag says whether other processes can share it. */
  readonly store?: Pick<Store, 'capabilities' | 'transaction'>;
  /** For the jitter; Math.random by default. */
  readonly random?: () => number;
  /** False: no timers, tasks run only through runDue() (tests with a manual clock). Default true. */
  readonly timers?: boolean;
  /** The longest real wait before the clock is looked at again; default one minute. */
  readonly maxSleepMs?: number;
}

interface Entry {
  readonly task: PeriodicTask;
  dueAt: number;
  running: Promise<void> | null;
  failing: boolean;
  timer: NodeJS.Timeout | undefined;
}

const MAX_SLEEP_MS = 60_000;

/**
 * The one scheduler of periodic work in a muster process: tasks run when due by the clock, never overlapping
 * themselves; a failure is caught, counted and told once (and once more when the task recovers); stop() waits for
 * the runs under way.
 */
export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<(change: TaskStateChange) => void>();
  readonly #metrics = new SchedulerMetrics();
  /**
   * Singleton tasks run one at a time in a process: each holds one connection for its cross-process lock while its
   * work takes others, so several at once could hold every connection of a small pool and wait forever for one more.
   */
  #singletons: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#o = options;
  }

  /** The names of the tasks registered now. */
  get tasks(): string[] {
    return [...this.#entries.keys()];
  }

  /** Registers a task; a second task of the same name is refused. */
  add(task: PeriodicTask): void {
    if (this.#entries.has(task.name)) throw new MusterError('MUSTER_ERR_INTERNAL', `a periodic task named '${task.name}' is already registered`);
    if (task.next === undefined && !(task.everyMs !== undefined && task.everyMs > 0)) throw new MusterError('MUSTER_ERR_INTERNAL', `periodic task '${task.name}' needs everyMs > 0 or next()`);
    const now = this.#o.clock.now();
    const entry: Entry = { task, dueAt: task.runAtStart ? now.getTime() : this.#nextDue(task, now), running: null, failing: false, timer: undefined };
    this.#entries.set(task.name, entry);
    this.#metrics.known(task.name);
    this.#arm(entry);
  }

  /** Unregisters a task, waiting for its run under way. */
  async remove(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) return;
    this.#entries.delete(name);
    clearTimeout(entry.timer);
    await entry.running;
  }

  /** Starts every task due by the clock that is not running already; resolves when those runs end. */
  async runDue(): Promise<void> {
    const now = this.#o.clock.now().getTime();
    const due = [...this.#entries.values()].filter((e) => e.running === null && e.dueAt <= now);
    await Promise.all(due.map((e) => this.#start(e)));
  }

  /** Tells `listener` when a task begins failing or recovers; returns the function that stops telling. */
  onStateChange(listener: (change: TaskStateChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Shows the runs in `registry` (a process's /metrics). */
  attachMetrics(registry: Registry): void {
    this.#metrics.attach(registry, this.#entries.keys());
  }

  /** No more runs start; resolves when the runs under way have ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const entries = [...this.#entries.values()];
    for (const entry of entries) clearTimeout(entry.timer);
    await Promise.all(entries.map((e) => e.running));
  }

  #start(entry: Entry): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    entry.running ??= this.#run(entry).finally(() => {
      entry.running = null;
      this.#arm(entry);
    });
    return entry.running;
  }

  async #run(entry: Entry): Promise<void> {
    const { task } = entry;
    const started = performance.now();
    let outcome: TaskOutcome;
    try {
      outcome = await this.#execute(task);
      if (outcome === 'success') this.#report(entry, false);
    } catch (error) {
      outcome = 'failure';
      this.#report(entry, true, error);
    }
    const end = this.#o.clock.now();
    this.#metrics.record(task.name, outcome, (performance.now() - started) / 1000, end);
    entry.dueAt = this.#nextDue(task, end);
  }

  /** Runs the task, under its cross-process lock when it needs one and the store is shared. */
  async #execute(task: PeriodicTask): Promise<TaskOutcome> {
    const store = this.#o.store;
    if (!task.singleton || !store?.capabilities.multipleConnections) {
      await task.run();
      return 'success';
    }
    const locked = () =>
      store.transaction(async (tx): Promise<TaskOutcome> => {
        if (!(await tryTaskLock(tx, task.name))) return 'skipped';
        await task.run();
        return 'success';
      });
    const turn = this.#singletons.then(locked, locked);
    this.#singletons = turn.catch(() => {});
    return turn;
  }

  /** One word per change of state, not per failed run. */
  #report(entry: Entry, failing: boolean, error?: unknown): void {
    if (entry.failing === failing) return;
    entry.failing = failing;
    const change: TaskStateChange = failing ? { task: entry.task.name, failing, error } : { task: entry.task.name, failing };
    for (const listener of this.#listeners) listener(change);
  }

  #nextDue(task: PeriodicTask, after: Date): number {
    const base = task.next ? task.next(after).getTime() : after.getTime() + (task.everyMs ?? 0);
    return base + Math.floor((this.#o.random ?? Math.random)() * (task.jitterMs ?? 0));
  }

  /** Sets the wake-up timer: real time until the task is due by the clock (at most maxSleepMs, then look again). */
  #arm(entry: Entry): void {
    if (this.#o.timers === false || this.#stopped || entry.running !== null || this.#entries.get(entry.task.name) !== entry) return;
    clearTimeout(entry.timer);
    const wait = Math.min(Math.max(0, entry.dueAt - this.#o.clock.now().getTime()), this.#o.maxSleepMs ?? MAX_SLEEP_MS);
    entry.timer = setTimeout(() => this.#wake(entry), wait);
    entry.timer.unref();
  }

  #wake(entry: Entry): void {
    if (entry.dueAt <= this.#o.clock.now().getTime()) void this.#start(entry);
    else this.#arm(entry);
  }
}

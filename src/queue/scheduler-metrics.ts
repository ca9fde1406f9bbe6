import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type TaskOutcome = 'success' | 'failure' | 'skipped';
const OUTCOMES: readonly TaskOutcome[] = ['success', 'failure', 'skipped'];

/** The scheduler's series on a process registry: runs by task and outcome, the last success, how long runs take. */
export class SchedulerMetrics {
  #runs: Counter<'task' | 'outcome'> | undefined;
  #lastSuccess: Gauge<'task'> | undefined;
  #duration: Histogram<'task'> | undefined;

  /** Registers the series on `registry` (once), every task already known at zero. */
  attach(registry: Registry, tasks: Iterable<string>): void {
    if (this.#runs) return;
    this.#runs = new Counter({
      name: 'muster_scheduler_runs_total',
      help: 'Runs of periodic tasks in this process, by task and outcome (skipped: another process held the task)',
      labelNames: ['task', 'outcome'],
      registers: [registry],
    });
    this.#lastSuccess = new Gauge({
      name: 'muster_scheduler_last_success_timestamp_seconds',
      help: 'When a periodic task last ended well in this process (Unix seconds)',
      labelNames: ['task'],
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'muster_scheduler_run_duration_seconds',
      help: 'How long runs of periodic tasks took, by task',
      labelNames: ['task'],
      buckets: [0.01, 0.05, 0.25, 1, 5, 30, 120, 600],
      registers: [registry],
    });
    for (const task of tasks) this.known(task);
  }

  /** Every series of a task from the start, so that rate() sees its first failure. */
  known(task: string): void {
    for (const outcome of OUTCOMES) this.#runs?.inc({ task, outcome }, 0);
  }

  record(task: string, outcome: TaskOutcome, seconds: number, at: Date): void {
    this.#runs?.inc({ task, outcome });
    if (outcome === 'skipped') return;
    this.#duration?.observe({ task }, seconds);
    if (outcome === 'success') this.#lastSuccess?.set({ task }, at.getTime() / 1000);
  }
}

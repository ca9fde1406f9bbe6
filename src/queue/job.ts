import type { Clock } from '../core/clock.ts';
import type { Tx } from '../store/store.ts';

export const JOB_STATUSES = ['pending', 'running', 'done', 'dead'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** One row of the outbox (`jobs`). */
export interface Job {
  readonly id: number;
  readonly kind: string;
  readonly idempotencyKey: string;
  readonly payload: Record<string, unknown>;
  readonly status: JobStatus;
  /** Claims so far, including the current one. */
  readonly attempts: number;
  readonly runAfter: Date;
  readonly lockedBy: string | null;
  readonly lockedUntil: Date | null;
  readonly lastError: string | null;
  readonly eventId: number | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * What a handler gets besides its job and transaction; also a ChangeContext for ChangeSet.commit. `Audit` is the
 * audit writer of the process (the queue itself writes no audit: the part that owns the handlers names its type).
 */
export interface JobContext<Audit = unknown> {
  readonly clock: Clock;
  readonly audit: Audit;
  /** The time the worker started this attempt. */
  readonly now: Date;
  /** The correlation id of the event that caused the job (or `job-<id>`). */
  readonly correlationId: string;
  /** The domain event that caused the job, if one did: events the handler commits name it as their cause. */
  readonly causeEventId?: number | null;
  readonly workerId: string;
}

/**
 * Runs one job inside `tx`, which also marks the job done: its effects and the completion commit
 * together. Delivery is at least once, so a handler must be idempotent. Throwing retries the job.
 */
export type JobHandler<Audit = unknown> = (job: Job, tx: Tx, ctx: JobContext<Audit>) => Promise<void>;

/** A claimed job with the correlation id it carries (the causing event's, or `job-<id>`). */
export interface BatchItem {
  readonly job: Job;
  readonly correlationId: string;
}

/** What a batch handler gets: the job context without one job's cause (each item carries its own), and each item's own context. */
export interface BatchContext<Audit = unknown> extends Omit<JobContext<Audit>, 'correlationId' | 'causeEventId'> {
  /** The context the item would get run alone: its event's audit, its correlation id, its cause. */
  readonly contextOf: (item: BatchItem) => JobContext<Audit>;
}

/**
 * Runs several jobs of one kind in one transaction, for kinds that come in floods (a mass
 * termination). Throwing retries each job alone, so one bad job cannot hold back the others.
 */
export interface BatchJobHandler<Audit = unknown> {
  readonly batch: (items: readonly BatchItem[], tx: Tx, ctx: BatchContext<Audit>) => Promise<void>;
}

/** Job kind → handler. */
export type JobHandlerRegistry<Audit = unknown> = ReadonlyMap<string, JobHandler<Audit> | BatchJobHandler<Audit>>;

/** Picks the items of a batch that have anything to do, in one round trip (most leavers have no card, no NPE, no token). */
export type BatchFilter = (items: readonly BatchItem[], tx: Tx) => Promise<readonly BatchItem[]>;

/**
 * A per-job handler run as a batch handler: the jobs of a flood (a mass termination) share one transaction and one
 * claim, and `needsWork` skips, in one query, those with nothing to do. Each job runs with its own context, as alone.
 */
export function batchOf<Audit>(run: JobHandler<Audit>, needsWork?: BatchFilter): BatchJobHandler<Audit> {
  return {
    batch: async (items, tx, ctx) => {
      const todo = needsWork && items.length > 1 ? await needsWork(items, tx) : items;
      for (const item of todo) await run(item.job, tx, ctx.contextOf(item));
    },
  };
}

/** The identity a job is about (`payload.identityId`), or undefined. */
export function identityOfJob(job: Job): string | undefined {
  const id = job.payload.identityId;
  return typeof id === 'string' ? id : undefined;
}

/** The items whose identity is in `ids`, and those naming none (they run, and fail, as alone). */
export function itemsOfIdentities(items: readonly BatchItem[], ids: ReadonlySet<string>): BatchItem[] {
  return items.filter((item) => {
    const id = identityOfJob(item.job);
    return id === undefined || ids.has(id);
  });
}

import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import type { Tx } from '../store/store.ts';
import type { Job } from './jobs.ts';

/** What a handler gets besides its job and transaction; also a ChangeContext for ChangeSet.commit. */
export interface JobContext {
  readonly clock: Clock;
  readonly audit: AuditWriter;
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
export type JobHandler = (job: Job, tx: Tx, ctx: JobContext) => Promise<void>;

/** A claimed job with the correlation id it carries (the causing event's, or `job-<id>`). */
export interface BatchItem {
  readonly job: Job;
  readonly correlationId: string;
}

/**
 * Runs several jobs of one kind in one transaction, for kinds that come in floods (a mass
 * termination). Throwing retries each job alone, so one bad job cannot hold back the others.
 */
export interface BatchJobHandler {
  readonly batch: (items: readonly BatchItem[], tx: Tx, ctx: Omit<JobContext, 'correlationId' | 'causeEventId'>) => Promise<void>;
}

/** Job kind → handler. */
export type JobHandlerRegistry = ReadonlyMap<string, JobHandler | BatchJobHandler>;

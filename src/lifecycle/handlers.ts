import type { AuditWriter } from '../audit/writer.ts';
import type * as queue from '../queue/job.ts';

/** The job types of the durable queue (src/queue/job.ts), with the process's audit writer. */
export type JobContext = queue.JobContext<AuditWriter>;
export type JobHandler = queue.JobHandler<AuditWriter>;
export type BatchContext = queue.BatchContext<AuditWriter>;
export type BatchJobHandler = queue.BatchJobHandler<AuditWriter>;
export type JobHandlerRegistry = queue.JobHandlerRegistry<AuditWriter>;
export type { BatchItem } from '../queue/job.ts';

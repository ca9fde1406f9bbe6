import type { AuditWriter } from '../audit/writer.ts';
import type * as queue from '../queue/job.ts';

/** The durable queue's job types (src/queue/job.ts) with the process's audit writer, for this part's job handlers. */
export type { Job } from '../queue/job.ts';
export type JobContext = queue.JobContext<AuditWriter>;
export type JobHandler = queue.JobHandler<AuditWriter>;
export type BatchJobHandler = queue.BatchJobHandler<AuditWriter>;

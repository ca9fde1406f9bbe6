export { type RunResult, type JobWorkerOptions, JobWorker, WORKER_ACTOR, describeError } from './worker.ts';
export { type Job, type JobStatus, JOB_STATUSES } from './jobs.ts';
export { type JobContext, type JobHandler, type JobHandlerRegistry } from './handlers.ts';
export { type JobFilter, listJobs, retryJob } from './admin.ts';
export { type Backoff, type RandomSource, backoffDelay } from '../queue/backoff.ts';
export { type ExpiryDeps, type ExpiryOptions, type ExpiryResult, expireNonPersonEntities } from './expiry.ts';
export { SPONSOR_LEFT_JOB, SPONSOR_MISSING, SPONSOR_REASSIGNED, handleSponsorLeft } from './sponsor-left.ts';
export { LIFECYCLE_ACTOR } from './change.ts';
export { NOTIFY_BINDING_JOB, notifyBindingHandler } from './notify-binding.ts';

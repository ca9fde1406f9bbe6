import {
  CREDENTIALS_RESTORE_JOB, CREDENTIALS_SUSPEND_JOB, CREDENTIALS_TERMINATE_JOB, handleCredentialsRestore, handleCredentialsSuspend, handleCredentialsTerminate,
} from '../credentials/terminate.ts';
import type { JobHandler } from './handlers.ts';
import { SPONSOR_LEFT_JOB, handleSponsorLeft } from './sponsor-left.ts';

/** The handlers of every job kind muster's lifecycle queues (see EVENT_TYPES in core/events.ts). */
export function lifecycleHandlers(): Map<string, JobHandler> {
  return new Map<string, JobHandler>([
    [SPONSOR_LEFT_JOB, handleSponsorLeft],
    [CREDENTIALS_TERMINATE_JOB, handleCredentialsTerminate],
    [CREDENTIALS_SUSPEND_JOB, handleCredentialsSuspend],
    [CREDENTIALS_RESTORE_JOB, handleCredentialsRestore],
  ]);
}

import { isMusterError } from '../core/errors.ts';
import type { Scheduler } from '../queue/scheduler.ts';
import { type Logger, errorFields } from './log.ts';

/**
 * Logs one line when a periodic task begins failing and one when it runs well again, not one per failed run. A task
 * failing because the store is away stays quiet (logStoreAvailability has said so once), and so does its recovery.
 */
export function logSchedulerStates(scheduler: Scheduler, log: Logger): () => void {
  const told = new Set<string>();
  return scheduler.onStateChange(({ task, failing, error }) => {
    if (failing && !isMusterError(error, 'MUSTER_ERR_STORE_UNAVAILABLE')) {
      told.add(task);
      log.error({ task, error: errorFields(error) }, 'periodic task failing');
    } else if (!failing && told.delete(task)) {
      log.info({ task }, 'periodic task running again');
    }
  });
}

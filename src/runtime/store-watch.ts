import { isMusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { type Logger, errorFields } from './log.ts';

/** Logs one line when the store goes away and one when it answers again, not one per failed attempt; returns the function that stops. */
export function logStoreAvailability(store: Store, log: Logger): () => void {
  return store.availability.onChange((available, error) => {
    if (available) log.info({ store: store.adapter }, 'store available again');
    else log.error({ store: store.adapter, error: errorFields(error) }, 'store unavailable');
  });
}

/** A round's error reporter that stays quiet while the store is away (logStoreAvailability has said so once). */
export function unlessStoreDown(report: (error: unknown) => void): (error: unknown) => void {
  return (error) => {
    if (!isMusterError(error, 'MUSTER_ERR_STORE_UNAVAILABLE')) report(error);
  };
}

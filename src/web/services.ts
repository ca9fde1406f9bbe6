import type { Muster } from '../runtime/context.ts';
import { musterOf } from './operator/deps.ts';

/**
 * What the cardholder, imports and disputes pages call: the same services as the matching `/api` routes (never SQL in
 * src/web), from the started muster the console is given.
 */
export type ConsoleServices = Pick<Muster, 'store' | 'clock' | 'audit' | 'credentials' | 'imports' | 'disputes' | 'sources' | 'config'>;

/** The services of the started muster, read when a page runs (a console built without one answers those pages 500). */
export function lazyServices(muster: () => Muster | undefined): ConsoleServices {
  const started = () => musterOf({ muster });
  return {
    get store() {
      return started().store;
    },
    get clock() {
      return started().clock;
    },
    get audit() {
      return started().audit;
    },
    credentials: () => started().credentials(),
    get imports() {
      return started().imports;
    },
    get disputes() {
      return started().disputes;
    },
    get sources() {
      return started().sources;
    },
    get config() {
      return started().config;
    },
  };
}

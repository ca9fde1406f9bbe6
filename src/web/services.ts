import type { Muster } from '../runtime/context.ts';

/**
 * What the console's pages call: the same services as the matching `/api` routes (never SQL in src/web). `muster
 * serve` hands its running muster; a console built without them (a unit test of the shell) has only its own pages.
 */
export type ConsoleServices = Pick<Muster, 'store' | 'clock' | 'audit' | 'credentials' | 'imports' | 'disputes' | 'sources' | 'config'>;

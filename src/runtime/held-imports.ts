import type { AuditWriter } from '../audit/writer.ts';
import type { MusterConfig } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Scheduler } from '../queue/scheduler.ts';
import { expireHeldRuns } from '../sources/held-expiry.ts';
import type { Store } from '../store/store.ts';

export const HELD_IMPORT_EXPIRY_TASK = 'imports.held-expiry';
const EVERY_MS = 3_600_000;
const JITTER_MS = 300_000;

/** Hourly (the first an hour after start), by one process at a time: held imports older than import.heldExpiryDays are expired and their files removed. */
export function scheduleHeldImportExpiry(config: MusterConfig, deps: { readonly store: Store; readonly clock: Clock; readonly audit: AuditWriter; readonly scheduler: Scheduler }): void {
  deps.scheduler.add({
    name: HELD_IMPORT_EXPIRY_TASK,
    everyMs: EVERY_MS,
    jitterMs: JITTER_MS,
    singleton: true,
    run: async () => {
      await expireHeldRuns({ ...deps, dataDir: config.dataDir, heldExpiryDays: config.import.heldExpiryDays });
    },
  });
}

import { type Clock, systemClock } from '../core/clock.ts';
import type { MusterConfig } from '../config/schema.ts';
import { loadAuditKeys, type AuditKeys } from '../audit/keys.ts';
import { AuditWriter } from '../audit/writer.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';

/** Everything a face (HTTP, CLI) needs, built once from checked configuration. */
export interface Muster {
  readonly config: MusterConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly auditKeys: AuditKeys;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  /** An already open store (tests); otherwise one is opened from the configuration. */
  readonly store?: Store;
}

export async function startMuster(config: MusterConfig, options: StartOptions = {}): Promise<Muster> {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const auditKeys = await loadAuditKeys(config, store);
  const audit = new AuditWriter({ clock, signer: auditKeys.signer, checkpointInterval: config.audit.checkpointInterval });
  return { config, store, clock, audit, auditKeys, close: () => store.close() };
}

import { watchAgreements } from '../federation/agreements.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import type { MusterConfig } from '../config/schema.ts';
import { loadAuditKeys, type AuditKeys } from '../audit/keys.ts';
import { AuditWriter } from '../audit/writer.ts';
import { DisputeService } from '../sources/disputes.ts';
import { SourceEventService } from '../sources/events.ts';
import { ImportService } from '../sources/importer.ts';
import { SourceRegistry } from '../sources/registry.ts';
import { recoverInterruptedRuns } from '../sources/runs.ts';
import { fillMissingSkeletons } from '../mur/identity-repository.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import type { Notifier } from '../connectors/notify/index.ts';
import type { CaMaterial } from '../pki/store/ca-store.ts';
import { createCredentialServices, notifierFor, type CredentialServices } from './credentials.ts';
import { lazyCa } from './pki.ts';
import type { KeyVault } from '../core/key-vault.ts';
import { type HeldKeyVault, openKeyVault } from './key-vault.ts';
import { checkSealedKeys, sealClearKeys } from './seal-keys.ts';
import { PolicyService } from '../lifecycle/access/policies.ts';
import type { AccessTargets } from '../lifecycle/access/targets.ts';
import { accessTargetsOf } from './targets.ts';
import { Scheduler } from '../queue/scheduler.ts';
import type { RefusalAggregator } from '../audit/refusal-aggregator.ts';
import type { RateLimiter } from '../core/limits/token-buckets.ts';
import { requestLimitsOf } from './request-limits.ts';
import { scheduleHeldImportExpiry } from './held-imports.ts';

/** Everything a face (HTTP, CLI) needs, built once from checked configuration. */
export interface Muster {
  readonly config: MusterConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly auditKeys: AuditKeys;
  /** Seals and opens the signing and cookie keys kept in the store, under the CA keys' custody. */
  readonly keyVault: KeyVault;
  readonly sources: SourceRegistry;
  readonly imports: ImportService;
  readonly disputes: DisputeService;
  readonly sourceEvents: SourceEventService;
  /** Versioned access policies (birthright, conditions). */
  readonly policies: PolicyService;
  /** The one scheduler of this process's periodic work (CRLs, key rotation, sweeps, checkpoints); stopped by close(). */
  readonly scheduler: Scheduler;
  /** The configured targets as policies see them. */
  readonly accessTargets: AccessTargets;
  /** Where binding notifications are delivered. */
  readonly notifier: Notifier;
  /** The CA (root, issuing, OCSP responder), created on the first call of the first start, then loaded. */
  ca(): Promise<CaMaterial>;
  /** Cards, Derived PIV and exceptions, over the CA. */
  credentials(): Promise<CredentialServices>;
  /** Refusals of unauthenticated requests, audited as one entry per source per window (server.limits.refusals). */
  readonly refusals: RefusalAggregator;
  /** Rate limits per client address and per token (server.limits.rate). */
  readonly rateLimiter: RateLimiter;
  /** Settles once every sealed key has been opened (or rejects naming why one cannot be); see StartOptions.checkKeysLater. */
  readonly keysChecked: Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  /** An already open store (tests); otherwise one is opened from the configuration. */
  readonly store?: Store;
  /**
   * Return before the sealed keys have been opened: the caller awaits `keysChecked` before it serves (`muster serve`
   * does, so the key derivation overlaps the rest of its start). Otherwise startMuster awaits the check itself.
   */
  readonly checkKeysLater?: boolean;
  /**
   * Keep the agreement cache in step with other processes (PostgreSQL `LISTEN`, one connection held for as long as
   * muster runs). On by default, for the OP and the worker; a one-shot command turns it off and reads afresh.
   */
  readonly watchAgreements?: boolean;
}

export async function startMuster(config: MusterConfig, options: StartOptions = {}): Promise<Muster> {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const auditKeys = await loadAuditKeys(config, store);
  const audit = new AuditWriter({ clock, signer: auditKeys.signer, checkpointInterval: config.audit.checkpointInterval });
  const sources = new SourceRegistry(config);
  const deps = { store, clock, audit, config };
  const held = await keyVaultFor(config, store, audit, options.store === undefined);
  const keysChecked = checkSealedKeys(store, held.vault);
  if (options.checkKeysLater) keysChecked.catch(() => {});
  else await closeOnRefusal(keysChecked, held, store, options.store === undefined);
  await recoverInterruptedRuns(store, clock, audit);
  await fillMissingSkeletons(store);
  const ca = lazyCa(config, store, clock);
  let credentials: Promise<CredentialServices> | undefined;
  const accessTargets = accessTargetsOf(config);
  const scheduler = new Scheduler({ clock, store });
  const limits = requestLimitsOf(config, { store, clock, audit, scheduler });
  scheduleHeldImportExpiry(config, { store, clock, audit, scheduler });
  const unwatchAgreements = options.watchAgreements === false ? async () => {} : await watchAgreements(store);
  return {
    accessTargets,
    policies: new PolicyService({ store, audit, clock, targets: accessTargets.names }),
    notifier: notifierFor(config),
    ca,
    credentials: () =>
      (credentials ??= ca()
        .then((material) => createCredentialServices(deps, material))
        .catch((error: unknown) => {
          credentials = undefined;
          throw error;
        })),
    config,
    store,
    clock,
    audit,
    auditKeys,
    sources,
    scheduler,
    keyVault: held.vault,
    keysChecked,
    refusals: limits.refusals,
    rateLimiter: limits.rateLimiter,
    imports: new ImportService({ ...deps, registry: sources }),
    disputes: new DisputeService(store, deps, sources),
    sourceEvents: new SourceEventService(store, deps, sources),
    close: async () => {
      await scheduler.stop();
      held.close();
      await limits.stop();
      await unwatchAgreements();
      await store.close();
    },
  };
}

/** The key vault, with the keys stored in the clear sealed; a refused start closes what it opened. */
async function keyVaultFor(config: MusterConfig, store: Store, audit: AuditWriter, ownsStore: boolean): Promise<HeldKeyVault> {
  let held: HeldKeyVault | undefined;
  try {
    held = await openKeyVault(config);
    await sealClearKeys(store, held.vault, audit);
    return held;
  } catch (error) {
    held?.close();
    if (ownsStore) await store.close();
    throw error;
  }
}

async function closeOnRefusal(checked: Promise<void>, held: HeldKeyVault, store: Store, ownsStore: boolean): Promise<void> {
  try {
    await checked;
  } catch (error) {
    held.close();
    if (ownsStore) await store.close();
    throw error;
  }
}

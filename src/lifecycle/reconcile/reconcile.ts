import { randomUUID } from 'node:crypto';
import type { Connector, RemoteAccount } from '../../connectors/accounts/port.ts';
import { MusterError } from '../../core/errors.ts';
import { activePolicies } from '../access/policies.ts';
import { describeError } from '../worker.ts';
import type { MembershipAction, OrphanAction } from './correlate.ts';
import type { ReconcileDeps, RunContext } from './context.ts';
import { reconcileDeleted } from './deleted.ts';
import { KeySet } from './key-set.ts';
import { privilegedGroups } from './lookup.ts';
import { lastHighWater, recordHighWater } from './marks-repository.ts';
import { reconcilePage } from './page.ts';
import { AccountStatistics } from './statistics.ts';
import { type ReconciliationRun, emptyCounts, finishRun, insertRun } from './runs.ts';

export interface ReconcileOptions {
  readonly target: string;
  /** How the target keys accounts (config.targets.<name>.accountKey). */
  readonly accountKey: readonly string[];
  readonly orphanAction: OrphanAction;
  /** What to do with memberships linked accounts hold in the target without a grant; default report. */
  readonly membershipAction?: MembershipAction;
  readonly actor: string;
  readonly correlationId?: string;
  /** Accounts asked of the target per page; the connector's default when absent. */
  readonly pageSize?: number;
  /** Calls to the target in flight at once when disabling orphans; default 4. */
  readonly concurrency?: number;
  /** Told about the run as soon as it is recorded, before the listing starts. */
  readonly onStart?: (run: ReconciliationRun) => void;
  /**
   * List only the accounts changed since the last finished run's high-water mark, where the target numbers its
   * changes (AD's uSNChanged); without a usable mark the run lists everything. An incremental run finds no deleted
   * accounts: a full run does.
   */
  readonly incremental?: boolean;
}

export type { ReconcileDeps } from './context.ts';

/**
 * Reconciles muster's record with what one target holds: streams every account a page at a time
 * (keeping only a fingerprint of each key), correlates it, records findings and fixes what
 * reconciliation may fix (links, drift, memberships, orphans, deleted accounts), then reports the accounts the
 * record holds that the target no longer does. Every page is its own transaction; a failure marks
 * the run failed with its error, and a new run starts over safely.
 */
export async function reconcileTarget(deps: ReconcileDeps, connector: Connector, options: ReconcileOptions): Promise<ReconciliationRun> {
  if (!connector.capabilities.list) {
    throw new MusterError('MUSTER_ERR_CONFLICT', `target '${options.target}' cannot list its accounts, so it cannot be reconciled`, [
      { field: 'target', value: options.target, message: 'no list capability' },
    ]);
  }
  const { store, clock } = deps;
  const runId = randomUUID();
  const started = await insertRun(store, runId, options.target, options.actor, clock.now());
  options.onStart?.(started);
  const run: RunContext = {
    deps,
    connector,
    runId,
    startedAt: started.startedAt,
    rule: { name: options.target, accountKey: options.accountKey },
    orphanAction: options.orphanAction,
    membershipAction: options.membershipAction ?? 'report',
    actor: options.actor,
    correlationId: options.correlationId ?? `reconcile-${runId}`,
    privileged: privilegedGroups(await activePolicies(store), options.target),
    concurrency: options.concurrency ?? 4,
    counts: emptyCounts(),
    statistics: new AccountStatistics(),
  };
  let listing: Listing = { accounts: connector.listAccounts(options.pageSize), incremental: false, mark: null };
  try {
    listing = await listingFor(deps, connector, options);
    const seen = new KeySet();
    for await (const page of readAhead(listing.accounts)) await reconcilePage(run, page, seen);
    if (!listing.incremental) await reconcileDeleted(run, seen);
  } catch (error) {
    await finish(run, describeError(error), listing);
    throw error;
  }
  return finish(run, null, listing);
}

interface Listing {
  readonly accounts: AsyncIterable<readonly RemoteAccount[]>;
  readonly incremental: boolean;
  /** The target's high-water mark taken before listing: what changes after it, the next incremental run reads. */
  readonly mark: string | null;
}

/** Every account; or, asked for an incremental run of a target with marks, those changed since the last finished run's mark. */
async function listingFor(deps: ReconcileDeps, connector: Connector, options: ReconcileOptions): Promise<Listing> {
  const mark = connector.highWaterMark ? await connector.highWaterMark() : null;
  const prior = options.incremental && mark !== null ? await lastHighWater(deps.store, options.target) : null;
  const changed = prior !== null ? (connector.listAccountsChangedSince?.(prior, options.pageSize) ?? null) : null;
  if (changed) return { accounts: changed, incremental: true, mark };
  return { accounts: connector.listAccounts(options.pageSize), incremental: false, mark };
}

/** Asks the target for the next page while the current one is being recorded: two pages in memory at most. */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const pages = source[Symbol.asyncIterator]();
  let next = pages.next();
  try {
    for (;;) {
      const page = await next;
      if (page.done) return;
      next = pages.next();
      yield page.value;
    }
  } finally {
    // stopped early: the page asked for is not wanted, and the listing may hold a connection
    next.catch(() => {});
    await pages.return?.();
  }
}

async function finish(run: RunContext, error: string | null, listing: Listing): Promise<ReconciliationRun> {
  const { store, audit, clock } = run.deps;
  const target = run.rule.name;
  return store.transaction(async (tx) => {
    const done = await finishRun(tx, run.runId, run.counts, error, clock.now());
    await recordHighWater(tx, run.runId, listing.mark, listing.incremental);
    const reason =
      error ??
      Object.entries(run.counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
    const action = error === null ? 'reconciliation.finished' : 'reconciliation.failed';
    const data = { run: run.runId, target, counts: run.counts, error, ...(listing.incremental ? { incremental: true } : {}) };
    await audit.append(tx, [{ actor: run.actor, action, target: `target:${target}`, reason: `${target}${listing.incremental ? ' (incremental)' : ''}: ${reason}`, data }], run.correlationId);
    return done;
  });
}

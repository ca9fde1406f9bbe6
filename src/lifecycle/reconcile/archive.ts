import { type RawBuilder, sql } from 'kysely';
import type { AuditWriter } from '../../audit/writer.ts';
import { claimRows } from '../../queue/claim-repository.ts';
import type { Clock } from '../../core/clock.ts';
import type { Row, Store, Tx } from '../../store/store.ts';
import { LIFECYCLE_ACTOR } from '../change.ts';

export interface ArchiveDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
}

export interface ArchiveOptions {
  /** Days an account stays disabled before it is archived. */
  readonly afterDays: number;
  /** Accounts archived per transaction; default 500. */
  readonly batchSize?: number;
}

const DAY_MS = 86_400_000;

/** Orphans (no identity) disabled for longer than `afterDays`: archived, kept for the audit trail. */
export function archiveOrphans(deps: ArchiveDeps, options: ArchiveOptions): Promise<number> {
  return archiveWhere(deps, options, sql`c.identity_id IS NULL`, 'reconciliation.orphan-archived', 'orphan disabled');
}

/** Accounts of terminated (or archived) identities disabled for longer than `afterDays`: archived, never deleted. */
export function archiveLeavers(deps: ArchiveDeps, options: ArchiveOptions): Promise<number> {
  return archiveWhere(deps, options, sql`EXISTS (SELECT 1 FROM identities i WHERE i.id = c.identity_id AND i.status IN ('terminated', 'archived'))`, 'account.archived', "leaver's account disabled");
}

/** Both archive sweeps; the number of accounts each archived. */
export async function archiveAccounts(deps: ArchiveDeps, days: { orphans: number; leavers: number }): Promise<{ orphans: number; leavers: number }> {
  return { orphans: await archiveOrphans(deps, { afterDays: days.orphans }), leavers: await archiveLeavers(deps, { afterDays: days.leavers }) };
}

async function archiveWhere(deps: ArchiveDeps, options: ArchiveOptions, which: RawBuilder<unknown>, action: string, what: string): Promise<number> {
  const now = deps.clock.now();
  const due = new Date(now.getTime() - options.afterDays * DAY_MS);
  const limit = options.batchSize ?? 500;
  let archived = 0;
  for (;;) {
    const n = await deps.store.transaction((tx) => archiveBatch(tx, deps, { which, action, what, due, now, limit, days: options.afterDays }));
    archived += n;
    if (n < limit) return archived;
  }
}

interface Batch {
  readonly which: RawBuilder<unknown>;
  readonly action: string;
  readonly what: string;
  readonly due: Date;
  readonly now: Date;
  readonly limit: number;
  readonly days: number;
}

async function archiveBatch(tx: Tx, deps: ArchiveDeps, b: Batch): Promise<number> {
  const rows = await claimRows(tx, {
    table: 'accounts',
    id: 'id',
    due: sql`c.status = 'disabled' AND c.disabled_at <= ${b.due} AND ${b.which}`,
    order: sql`c.disabled_at, c.id`,
    set: sql`status = 'archived', archived_at = ${b.now}, updated_at = ${b.now}`,
    returning: sql`q.id, q.identity_id, q.target, q.account_ref, q.disabled_at`,
    limit: b.limit,
  });
  await deps.audit.append(
    tx,
    rows.map((r) => draft(r, b)),
    `archive-${b.now.toISOString()}`,
  );
  return rows.length;
}

function draft(row: Row, b: Batch): { actor: string; action: string; target: string; reason: string; data: Record<string, unknown> } {
  const subject = (row.identity_id as string | null) ?? `account:${row.target}/${row.account_ref}`;
  const since = (row.disabled_at as Date).toISOString();
  return {
    actor: LIFECYCLE_ACTOR,
    action: b.action,
    target: subject,
    reason: `${row.target}: ${b.what} since ${since.slice(0, 10)}, more than ${b.days} days`,
    data: { target: row.target, account: row.account_ref, disabled_at: since, archived_at: b.now.toISOString() },
  };
}

import type { AuditWriter } from '../../audit/writer.ts';
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
  return archiveWhere(deps, options, 'a.identity_id IS NULL', 'reconciliation.orphan-archived', 'orphan disabled');
}

/** Accounts of terminated (or archived) identities disabled for longer than `afterDays`: archived, never deleted. */
export function archiveLeavers(deps: ArchiveDeps, options: ArchiveOptions): Promise<number> {
  return archiveWhere(deps, options, `EXISTS (SELECT 1 FROM identities i WHERE i.id = a.identity_id AND i.status IN ('terminated', 'archived'))`, 'account.archived', "leaver's account disabled");
}

/** Both archive sweeps; the number of accounts each archived. */
export async function archiveAccounts(deps: ArchiveDeps, days: { orphans: number; leavers: number }): Promise<{ orphans: number; leavers: number }> {
  return { orphans: await archiveOrphans(deps, { afterDays: days.orphans }), leavers: await archiveLeavers(deps, { afterDays: days.leavers }) };
}

async function archiveWhere(deps: ArchiveDeps, options: ArchiveOptions, which: string, action: string, what: string): Promise<number> {
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
  readonly which: string;
  readonly action: string;
  readonly what: string;
  readonly due: Date;
  readonly now: Date;
  readonly limit: number;
  readonly days: number;
}

async function archiveBatch(tx: Tx, deps: ArchiveDeps, b: Batch): Promise<number> {
  const rows = await tx.query(
    `UPDATE accounts SET status = 'archived', archived_at = $2, updated_at = $2
     WHERE id IN (SELECT a.id FROM accounts a WHERE a.status = 'disabled' AND a.disabled_at <= $1 AND ${b.which} ORDER BY a.disabled_at, a.id LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING id, identity_id, target, account_ref, disabled_at`,
    [b.due, b.now, b.limit],
  );
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

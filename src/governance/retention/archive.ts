import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import type { Store } from '../../store/store.ts';
import { accountsToDelete, archiveIdentities, dueForArchive, queueDeletions } from './archive-repository.ts';

export const ARCHIVE_TASK = 'governance.archive';
const DAY_MS = 86_400_000;
const BATCH = 500;

export interface ArchiveDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  readonly archiveAfterDays: number;
  /** Targets whose policy deletes the accounts of archived identities (`deleteOnArchive`). */
  readonly deleteOnArchive: readonly string[];
}

/** An account the archive deletes through provisioning. */
export interface ArchiveDeletion {
  readonly target: string;
  readonly account: string;
}

export interface ArchiveCandidate {
  readonly identityId: string;
  readonly fullName: string | null;
  readonly terminatedAt: string;
  /** The accounts that archiving deletes (targets with `deleteOnArchive`). */
  readonly deletions: readonly ArchiveDeletion[];
}

function cutoffOf(deps: ArchiveDeps): Date {
  return new Date(deps.clock.now().getTime() - deps.archiveAfterDays * DAY_MS);
}

/** Who is due: terminated at least `archiveAfterDays` ago (the dry run). */
export async function dueForArchiving(deps: ArchiveDeps, limit = 10_000): Promise<ArchiveCandidate[]> {
  const due = await dueForArchive(deps.store, cutoffOf(deps), limit);
  const deletions = await accountsToDelete(
    deps.store,
    due.map((r) => r.id),
    deps.deleteOnArchive,
  );
  return due.map((r) => ({
    identityId: r.id,
    fullName: r.full_name,
    terminatedAt: new Date(r.terminated_at).toISOString(),
    deletions: deletions.filter((d) => d.identity_id === r.id).map((d) => ({ target: d.target, account: d.account_ref })),
  }));
}

/**
 * Archives every identity due, a batch per transaction: the record stays, read-only, with its history, accounts
 * and audit (identities are never deleted: the audit chain refers to them). Its accounts in targets whose policy
 * says `deleteOnArchive` pass to `deleted` and provisioning deletes them there. Each batch is audited.
 */
export async function archiveDue(deps: ArchiveDeps, actor: string): Promise<string[]> {
  const archived: string[] = [];
  const reason = `retention: terminated more than ${deps.archiveAfterDays} days ago`;
  for (;;) {
    const now = deps.clock.now();
    const due = await dueForArchive(deps.store, cutoffOf(deps), BATCH);
    if (due.length === 0) return archived;
    const correlationId = `archive-${randomUUID()}`;
    const done = await deps.store.transaction(async (tx) => {
      const events = await archiveIdentities(
        tx,
        due.map((d) => d.id),
        reason,
        correlationId,
        now,
      );
      const deleted = await queueDeletions(tx, events, deps.deleteOnArchive, `${reason}: account deleted at archive`, now);
      const ids = [...events.keys()];
      await deps.audit.append(
        tx,
        ids.map((id) => ({
          actor,
          action: 'identity.archived',
          target: id,
          reason,
          data: { archive_after_days: deps.archiveAfterDays, event_id: events.get(id), accounts_deleted: deleted.filter((d) => d.identity_id === id).map((d) => `${d.target}/${d.account_ref}`) },
        })),
        correlationId,
      );
      return ids;
    });
    archived.push(...done);
    if (done.length < due.length || due.length < BATCH) return archived;
  }
}

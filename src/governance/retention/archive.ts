import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import type { Store } from '../../store/store.ts';
import { archiveIdentities, dueForArchive } from './archive-repository.ts';

export const ARCHIVE_TASK = 'governance.archive';
const DAY_MS = 86_400_000;
const BATCH = 500;

export interface ArchiveDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  readonly archiveAfterDays: number;
}

export interface ArchiveCandidate {
  readonly identityId: string;
  readonly fullName: string | null;
  readonly terminatedAt: string;
}

function cutoffOf(deps: ArchiveDeps): Date {
  return new Date(deps.clock.now().getTime() - deps.archiveAfterDays * DAY_MS);
}

/** Who is due: terminated at least `archiveAfterDays` ago (the dry run). */
export async function dueForArchiving(deps: ArchiveDeps, limit = 10_000): Promise<ArchiveCandidate[]> {
  return (await dueForArchive(deps.store, cutoffOf(deps), limit)).map((r) => ({ identityId: r.id, fullName: r.full_name, terminatedAt: new Date(r.terminated_at).toISOString() }));
}

/**
 * Archives every identity due, a batch per transaction: the record stays, read-only, with its history, accounts
 * and audit (identities are never deleted: the audit chain refers to them). Each batch is audited.
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
      const ids = await archiveIdentities(
        tx,
        due.map((d) => d.id),
        reason,
        correlationId,
        now,
      );
      await deps.audit.append(
        tx,
        ids.map((id) => ({ actor, action: 'identity.archived', target: id, reason, data: { archive_after_days: deps.archiveAfterDays } })),
        correlationId,
      );
      return ids;
    });
    archived.push(...done);
    if (done.length < due.length || due.length < BATCH) return archived;
  }
}

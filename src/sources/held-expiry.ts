import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/store.ts';

/**
 * Held imports do not wait for ever: a run the mass-change guard held and nobody confirmed within
 * `import.heldExpiryDays` is marked `expired` (audited as `import.expired`), and its kept copy of the file (in
 * `<dataDir>/imports`, holding people's records) is removed. An expired run cannot be confirmed; import the file again.
 */

const DAY_MS = 86_400_000;

export interface HeldExpiryDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  /** Where kept files live: only files in `<dataDir>/imports` are removed. */
  readonly dataDir: string;
  readonly heldExpiryDays: number;
}

export interface ExpiredRun {
  readonly id: string;
  readonly source: string;
  readonly fileName: string;
}

/** Expires every held run held longer than the configured time; returns them. */
export async function expireHeldRuns(deps: HeldExpiryDeps): Promise<ExpiredRun[]> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - deps.heldExpiryDays * DAY_MS);
  const expired = await deps.store.transaction(async (tx) => {
    const rows = await tx.db
      .selectFrom('import_runs')
      .select(['id', 'source', 'file_name', 'file_path', 'finished_at'])
      .where('status', '=', 'held')
      .where((eb) => eb(eb.fn.coalesce('finished_at', 'created_at'), '<=', cutoff))
      .forUpdate()
      .execute();
    if (rows.length === 0) return [];
    await tx.db
      .updateTable('import_runs')
      .set({ status: 'expired', file_path: null })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    if (rows.length === 0) return [];
    const reason = `held for confirmation more than ${deps.heldExpiryDays} days (import.heldExpiryDays); its kept file is removed: import the file again`;
    await deps.audit.append(
      tx,
      rows.map((r) => ({ actor: 'muster', action: 'import.expired', target: r.id, reason, data: { source: r.source, file: r.file_name, held_at: r.finished_at } })),
      `import-expiry-${now.toISOString()}`,
    );
    return rows;
  });
  for (const run of expired) await removeKeptFile(deps.dataDir, run.file_path);
  return expired.map((r) => ({ id: r.id, source: r.source, fileName: r.file_name }));
}

async function removeKeptFile(dataDir: string, file: string | null): Promise<void> {
  if (!file || dataDir === ':memory:' || dirname(file) !== join(dataDir, 'imports')) return;
  await rm(file, { force: true });
}

import type { Queryable } from '../store/store.ts';
import type { AuditEntry } from './chain.ts';

/** One audit_log row as the store returns it (int8 as number, timestamptz as Date, jsonb parsed). */
export type AuditRow = {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  reason: string | null;
  correlation_id: string;
  data: Record<string, unknown>;
  data_text: string;
  prev_hash: string;
  hash: string;
};

export const ENTRY_COLUMNS = 'seq, at, actor, action, target, reason, correlation_id, data, data::text AS data_text, prev_hash, hash';

export function entryFromRow(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    reason: row.reason,
    correlationId: row.correlation_id,
    data: row.data,
    dataText: row.data_text,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Keyset page: entries with afterSeq < seq <= toSeq, oldest first. Memory stays flat however long the log is. */
export async function entriesAfter(db: Queryable, afterSeq: number, limit: number, toSeq = Number.MAX_SAFE_INTEGER): Promise<AuditEntry[]> {
  const rows = await db.query<AuditRow>(`SELECT ${ENTRY_COLUMNS} FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [
    afterSeq,
    toSeq,
    limit,
  ]);
  return rows.map(entryFromRow);
}

/** Every entry in [fromSeq, toSeq], oldest first, read in batches. */
export async function* iterateEntries(db: Queryable, fromSeq: number, toSeq: number, batchSize: number): AsyncGenerator<AuditEntry> {
  let after = fromSeq - 1;
  for (;;) {
    const batch = await entriesAfter(db, after, batchSize, toSeq);
    yield* batch;
    const last = batch.at(-1);
    if (last === undefined || batch.length < batchSize) return;
    after = last.seq;
  }
}

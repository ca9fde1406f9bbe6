import { MusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import type { AuditDraft, AuditEntry } from './chain.ts';
import { type AuditRow, ENTRY_COLUMNS, entryFromRow } from './rows.ts';
import type { AuditWriter } from './writer.ts';

export interface AuditFilter {
  readonly actor?: string;
  readonly action?: string;
  readonly target?: string;
  readonly correlationId?: string;
  /** Only entries with seq greater than this. */
  readonly afterSeq?: number;
  /** Only entries with seq less than this (page backwards with the last seq seen). */
  readonly beforeSeq?: number;
  /** 1..1000, default 50. */
  readonly limit?: number;
}

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;

const CONDITIONS = [
  ['actor', 'actor = $'],
  ['action', 'action = $'],
  ['target', 'target = $'],
  ['correlationId', 'correlation_id = $'],
  ['afterSeq', 'seq > $'],
  ['beforeSeq', 'seq < $'],
] as const;

/** Audit entries matching every given filter, newest first. */
export async function listAuditEntries(store: Store, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const limit = checkLimit(filter.limit);
  const params: unknown[] = [];
  const where: string[] = [];
  for (const [field, condition] of CONDITIONS) {
    const value = filter[field];
    if (value === undefined) continue;
    params.push(value);
    where.push(`${condition}${params.length}`);
  }
  params.push(limit);
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const rows = await store.query<AuditRow>(`SELECT ${ENTRY_COLUMNS} FROM audit_log ${clause} ORDER BY seq DESC LIMIT $${params.length}`, params);
  return rows.map(entryFromRow);
}

function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `limit must be an integer from 1 to ${MAX_LIST_LIMIT}`, [
      { field: 'limit', message: `must be an integer from 1 to ${MAX_LIST_LIMIT}`, value: String(limit) },
    ]);
  }
  return limit;
}

/** Appends one entry in its own transaction: for admin actions and refusals that change nothing else. */
export async function recordAudit(store: Store, writer: AuditWriter, draft: AuditDraft, correlationId: string): Promise<AuditEntry> {
  const [entry] = await store.transaction((tx) => writer.append(tx, [draft], correlationId));
  if (entry === undefined) throw new MusterError('MUSTER_ERR_INTERNAL', 'the audit writer appended no entry');
  return entry;
}

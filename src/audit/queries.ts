import { MusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import type { AuditDraft, AuditEntry } from './chain.ts';
import { findEntries } from './audit-repository.ts';
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

/** Audit entries matching every given filter, newest first. */
export async function listAuditEntries(store: Store, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const { limit, ...match } = filter;
  return findEntries(store, match, checkLimit(limit));
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

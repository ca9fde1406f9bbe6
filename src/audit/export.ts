import type { Store } from '../store/store.ts';
import type { AuditEntry } from './chain.ts';
import { iterateEntries } from './audit-repository.ts';

export interface ExportOptions {
  /** First seq to export (inclusive, default 1). */
  readonly fromSeq?: number;
  /** Last seq to export (inclusive, default the end of the log). */
  readonly toSeq?: number;
  /** Entries read per query (default 2000). */
  readonly batchSize?: number;
}

const DEFAULT_BATCH = 2000;

/**
 * The audit log as JSON Lines for a SIEM (OMB M-21-31 style: timestamp, event, user, trace),
 * one line per entry without the trailing newline. Read in batches: memory stays flat.
 */
export async function* exportAuditJsonl(store: Store, options: ExportOptions = {}): AsyncGenerator<string> {
  const from = options.fromSeq ?? 1;
  const to = options.toSeq ?? Number.MAX_SAFE_INTEGER;
  for await (const entry of iterateEntries(store, from, to, Math.max(1, options.batchSize ?? DEFAULT_BATCH))) {
    yield JSON.stringify(siemRecord(entry));
  }
}

export function siemRecord(entry: AuditEntry): Record<string, unknown> {
  return {
    '@timestamp': entry.at.toISOString(),
    event: { sequence: entry.seq, action: entry.action, kind: 'event', category: 'iam' },
    user: { name: entry.actor },
    target: entry.target,
    reason: entry.reason,
    trace: { id: entry.correlationId },
    data: entry.data,
    muster: { hash: entry.hash, prev_hash: entry.prevHash },
  };
}

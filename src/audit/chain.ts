import { hash } from 'node:crypto';

/** The hash before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller records; the writer adds seq, time, the chain and the correlation id. */
export interface AuditDraft {
  readonly actor: string;
  readonly action: string;
  readonly target?: string | null;
  readonly reason?: string | null;
  readonly data?: Record<string, unknown>;
}

export interface AuditEntry {
  readonly seq: number;
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly reason: string | null;
  readonly correlationId: string;
  readonly data: Record<string, unknown>;
  /** `data` exactly as stored (a PostgreSQL json column keeps its text): what the hash covers. */
  readonly dataText: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The hash of one entry: it commits to every field and to the entry before it. */
export function entryHash(entry: Omit<AuditEntry, 'hash' | 'data'>): string {
  const head = JSON.stringify([entry.seq, entry.at.toISOString(), entry.actor, entry.action, entry.target, entry.reason, entry.correlationId]);
  // one call over the joined text: the same bytes as hashing the parts in turn, without a hash object per entry
  return hash('sha256', `${head}\n${entry.dataText}\n${entry.prevHash}`, 'hex');
}

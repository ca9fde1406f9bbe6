import { createHash } from 'node:crypto';

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
  readonly prevHash: string;
  readonly hash: string;
}

/** JSON with object keys sorted at every depth, so a value hashes the same after a JSONB round trip. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of one entry: it commits to every field and to the entry before it. */
export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const body = canonicalJson([
    entry.seq,
    entry.at.toISOString(),
    entry.actor,
    entry.action,
    entry.target,
    entry.reason,
    entry.correlationId,
    entry.data,
    entry.prevHash,
  ]);
  return createHash('sha256').update(body).digest('hex');
}

import { MusterError } from '../core/errors.ts';
import type { IdentityState } from '../core/identity/record.ts';
import { decodeAttributes, encodeAttributes } from './attribute-codec.ts';
import type { Queryable } from '../store/store.ts';

export const IDENTITY_COLUMNS = ['id', 'kind', 'status', 'attributes', 'provenance', 'sponsor_id', 'expires_at', 'flags', 'last_updated', 'created_at', 'updated_at', 'version'] as const;

interface IdentityRow {
  id: string;
  kind: string;
  status: string;
  attributes: unknown;
  provenance: unknown;
  sponsor_id: string | null;
  expires_at: Date | null;
  flags: string[];
  last_updated: Date;
  created_at: Date;
  version: number;
  [key: string]: unknown;
}

export function stateFromRow(row: IdentityRow): IdentityState {
  return {
    id: row.id,
    kind: row.kind as IdentityState['kind'],
    status: row.status as IdentityState['status'],
    attributes: decodeAttributes(row.attributes, row.provenance),
    sponsorId: row.sponsor_id,
    expiresAt: row.expires_at ? row.expires_at.toISOString().slice(0, 10) : null,
    flags: row.flags,
    lastUpdated: row.last_updated,
    createdAt: row.created_at,
    version: row.version,
  };
}

export function rowFromState(state: IdentityState, updatedAt: Date): unknown[] {
  const expires = state.expiresAt ? `${state.expiresAt}T00:00:00Z` : null;
  const stored = encodeAttributes(state.attributes);
  return [state.id, state.kind, state.status, stored.attributes, stored.provenance, state.sponsorId, expires, state.flags, state.lastUpdated, state.createdAt, updatedAt, state.version];
}

const SELECT = `SELECT ${IDENTITY_COLUMNS.join(', ')} FROM identities`;

export async function loadIdentities(db: Queryable, ids: readonly string[]): Promise<Map<string, IdentityState>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<IdentityRow>(`${SELECT} WHERE id = ANY($1::uuid[])`, [ids]);
  return new Map(rows.map((r) => [r.id, stateFromRow(r)]));
}

/** Identities whose attributes `names` equal one of the value tuples (correlation look-ups); the database does the matching. */
export async function findByAttributes(db: Queryable, names: readonly string[], tuples: readonly (readonly string[])[]): Promise<IdentityState[]> {
  if (tuples.length === 0 || names.length === 0) return [];
  const columns = names.map((_, i) => `attributes -> $${i + 1 + names.length} ->> 'v'`).join(', ');
  const arrays = names.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const params = [...names.map((_, i) => tuples.map((t) => t[i] ?? '')), ...names];
  const rows = await db.query<IdentityRow>(`${SELECT} WHERE (${columns}) IN (SELECT * FROM unnest(${arrays}))`, params);
  return rows.map(stateFromRow);
}

/** Writes new versions of existing identities; refuses silently-lost updates by checking the version. */
export async function updateIdentities(db: Queryable, states: readonly IdentityState[], updatedAt: Date): Promise<void> {
  if (states.length === 0) return;
  const col = (pick: (s: IdentityState) => unknown) => states.map(pick);
  const stored = states.map((s) => encodeAttributes(s.attributes));
  const rows = await db.query<{ id: string }>(
    `UPDATE identities i SET status = u.status, attributes = u.attributes, provenance = u.provenance, sponsor_id = u.sponsor_id, expires_at = u.expires_at,
       flags = u.flags, last_updated = u.last_updated, updated_at = $8, version = u.version
     FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::uuid[], $5::timestamptz[], $6::jsonb[], $7::timestamptz[], $9::int[], $10::jsonb[])
       AS u(id, status, attributes, sponsor_id, expires_at, flags, last_updated, version, provenance)
     WHERE i.id = u.id AND i.version = u.version - 1 RETURNING i.id`,
    [
      col((s) => s.id),
      col((s) => s.status),
      stored.map((s) => JSON.stringify(s.attributes)),
      col((s) => s.sponsorId),
      col((s) => (s.expiresAt ? `${s.expiresAt}T00:00:00Z` : null)),
      col((s) => JSON.stringify(s.flags)),
      col((s) => s.lastUpdated),
      updatedAt,
      col((s) => s.version),
      stored.map((s) => JSON.stringify(s.provenance)),
    ],
  );
  if (rows.length !== states.length) {
    throw new MusterError('MUSTER_ERR_CONFLICT', `${states.length - rows.length} identities changed concurrently; retry the operation`);
  }
}

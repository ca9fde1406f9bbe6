import { MusterError } from '../../core/errors.ts';
import type { Queryable, Row } from '../../store/store.ts';
import type { Json } from './scim-user.ts';

/** active and inactive accounts exist at the RP; a terminated one was deactivated and (by default) deleted. */
export const RP_ACCOUNT_STATES = ['active', 'inactive', 'terminated'] as const;
export type RpAccountState = (typeof RP_ACCOUNT_STATES)[number];

/** One account muster keeps at a relying party, as last pushed. */
export interface ProvisioningRecord {
  readonly identityId: string;
  readonly clientId: string;
  /** The subject identifier it was pushed under (SCIM externalId and userName). */
  readonly sub: string | null;
  /** The RP's id of the resource; null once deleted. */
  readonly remoteId: string | null;
  readonly state: RpAccountState;
  /** The User resource last sent; null once the RP deleted it. */
  readonly pushed: Json | null;
  readonly syncedAt: Date | null;
  /** `sent` when the RP took muster's PIV extension, `refused` when it was sent without it. */
  readonly extension: 'sent' | 'refused' | null;
}

const COLUMNS = 'identity_id, client_id, sub, remote_id, state, pushed, synced_at, extension';

function recordOf(row: Row): ProvisioningRecord {
  return {
    identityId: row.identity_id as string,
    clientId: row.client_id as string,
    sub: (row.sub as string | null) ?? null,
    remoteId: (row.remote_id as string | null) ?? null,
    state: row.state as RpAccountState,
    pushed: (row.pushed as Json | null) ?? null,
    syncedAt: (row.synced_at as Date | null) ?? null,
    extension: (row.extension as ProvisioningRecord['extension']) ?? null,
  };
}

/** The identity's accounts at relying parties, by client id. */
export async function recordsOf(db: Queryable, identityId: string): Promise<Map<string, ProvisioningRecord>> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM rp_provisioning WHERE identity_id = $1`, [identityId]);
  return new Map(rows.map((r) => [r.client_id as string, recordOf(r)]));
}

/** Of these identities, those that exist and were never pushed to any RP (no provisioning record): one query. */
export async function identitiesNeverPushed(db: Queryable, identityIds: readonly string[]): Promise<Set<string>> {
  if (identityIds.length === 0) return new Set();
  const rows = await db.query<{ id: string }>('SELECT i.id FROM identities i WHERE i.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM rp_provisioning r WHERE r.identity_id = i.id)', [identityIds]);
  return new Set(rows.map((r) => r.id));
}

export async function saveRecord(db: Queryable, record: ProvisioningRecord): Promise<void> {
  await db.query(
    `INSERT INTO rp_provisioning (identity_id, client_id, sub, remote_id, state, pushed, synced_at, extension, attempts, last_error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, NULL)
     ON CONFLICT (identity_id, client_id) DO UPDATE SET sub = $3, remote_id = $4, state = $5, pushed = $6, synced_at = $7, extension = $8, attempts = 0, last_error = NULL`,
    [record.identityId, record.clientId, record.sub, record.remoteId, record.state, record.pushed === null ? null : JSON.stringify(record.pushed), record.syncedAt, record.extension],
  );
}

/** An account as listed: no attribute values, only what says where it stands. */
export interface ProvisioningView {
  readonly identityId: string;
  readonly clientId: string;
  readonly sub: string | null;
  readonly remoteId: string | null;
  readonly state: RpAccountState;
  readonly syncedAt: string | null;
  readonly extension: 'sent' | 'refused' | null;
}

export interface ProvisioningPage {
  readonly items: ProvisioningView[];
  readonly nextCursor?: string;
}

export const MAX_LISTING = 500;
const CURSOR = 'p1:';

function viewOf(r: ProvisioningRecord): ProvisioningView {
  return { identityId: r.identityId, clientId: r.clientId, sub: r.sub, remoteId: r.remoteId, state: r.state, syncedAt: r.syncedAt?.toISOString() ?? null, extension: r.extension };
}

function encodeCursor(r: ProvisioningView): string {
  return Buffer.from(`${CURSOR}${r.identityId} ${r.clientId}`).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const [identityId, clientId] = text.slice(CURSOR.length).split(' ');
  if (!text.startsWith(CURSOR) || !identityId || !clientId)
    throw new MusterError('MUSTER_ERR_VALIDATION', 'cursor is not one this server gave out', [{ field: 'cursor', value: cursor, message: 'malformed cursor' }]);
  return [identityId, clientId];
}

/** The accounts at these clients, by identity then client, one page at a time. */
export async function listRecords(db: Queryable, clientIds: readonly string[], page: { limit: number; cursor?: string | undefined }): Promise<ProvisioningPage> {
  const after = page.cursor === undefined ? null : decodeCursor(page.cursor);
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM rp_provisioning WHERE client_id = ANY($1) AND ($2::text IS NULL OR (identity_id::text, client_id) > ($2::text, $3::text))
     ORDER BY identity_id::text, client_id LIMIT $4`,
    [clientIds, after?.[0] ?? null, after?.[1] ?? null, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map((r) => viewOf(recordOf(r)));
  const last = items.at(-1);
  return rows.length > page.limit && last ? { items, nextCursor: encodeCursor(last) } : { items };
}

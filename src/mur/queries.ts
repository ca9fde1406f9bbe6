import { decodeAttributes } from './attribute-codec.ts';
import { MusterError } from '../core/errors.ts';
import { IDENTITY_KINDS, USER_TYPES } from '../core/identity/kinds.ts';
import { IDENTITY_STATUSES } from '../core/identity/status.ts';
import type { Queryable, Row, Store } from '../store/store.ts';
import { UUID_PATTERN } from '../core/ids.ts';

/** The read side of the Master User Record: filtered lists and the single view of one identity. */

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const MAX_QUERY_LENGTH = 256;
const CURSOR_PREFIX = 'i1:';

export interface IdentityFilter {
  readonly status?: string | undefined;
  readonly kind?: string | undefined;
  readonly userType?: string | undefined;
  readonly department?: string | undefined;
  readonly component?: string | undefined;
  /** Case-insensitive prefix of the full, given or family name, the email, the employee id or an NPE's npe_id. */
  readonly q?: string | undefined;
  readonly limit?: number | undefined;
  /** Opaque; from the `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

export interface IdentitySummary {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly employeeId: string | null;
  readonly fullName: string | null;
  readonly email: string | null;
  readonly department: string | null;
  readonly component: string | null;
  readonly userType: string | null;
  readonly homeAgency: string | null;
  readonly lastUpdated: string;
}

export interface IdentityPage {
  readonly items: IdentitySummary[];
  readonly nextCursor?: string;
}

export interface AttributeView {
  readonly name: string;
  readonly value: unknown;
  readonly source: string | null;
  readonly sourceRecord: string | null;
  readonly observedAt: string | null;
}

export interface SourceLinkView {
  readonly source: string;
  readonly sourceKey: string;
  readonly observedAt: string;
}

export interface StatusChangeView {
  readonly fromStatus: string | null;
  readonly toStatus: string;
  readonly reason: string;
  readonly source: string;
  readonly eventId: number | null;
  readonly at: string;
}

export interface TrustView {
  readonly eligibility: string;
  readonly status: string;
  readonly investigationType: string | null;
  readonly adjudicationDate: string | null;
  readonly continuousVetting: boolean;
  readonly source: string;
  readonly sourceRecord: string;
  readonly observedAt: string;
}

export interface BehaveView {
  readonly course: string;
  readonly status: string;
  readonly completed: string | null;
  readonly expires: string | null;
  readonly source: string;
  readonly sourceRecord: string;
  readonly observedAt: string;
}

export interface CredentialView {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly reference: string | null;
  readonly details: Record<string, unknown>;
  readonly issuedAt: string | null;
  readonly expiresAt: string | null;
  readonly updatedAt: string;
}

export interface AccountView {
  readonly id: string;
  readonly target: string;
  readonly accountRef: string;
  readonly status: string;
  readonly privileged: boolean;
  readonly details: Record<string, unknown>;
  readonly updatedAt: string;
}

export interface PrivilegeView {
  readonly id: string;
  readonly privilegeType: string;
  readonly status: string;
  readonly system: string;
  readonly updatedAt: string;
}

export interface EntitlementView {
  readonly id: string;
  readonly target: string;
  readonly entitlement: string;
  readonly entitlementType: string;
  readonly reason: string;
  readonly grantedAt: string;
}

/** The single view of one identity: the record, every attribute with its provenance, and every CDM object. */
export interface IdentityView {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly sponsorId: string | null;
  readonly expiresAt: string | null;
  readonly lastUpdated: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
  readonly attributes: AttributeView[];
  readonly sourceLinks: SourceLinkView[];
  readonly statusHistory: StatusChangeView[];
  readonly trust: TrustView | null;
  readonly behave: BehaveView[];
  readonly credentials: CredentialView[];
  readonly accounts: AccountView[];
  readonly privileges: PrivilegeView[];
  readonly entitlements: EntitlementView[];
  readonly sponsor: IdentitySummary | null;
  readonly sponsored: IdentitySummary[];
  readonly flags: string[];
}

const attr = (name: string) => `i.attributes -> '${name}' ->> 'v'`;

const SUMMARY_COLUMNS = `i.id, i.kind, i.status, ${attr('employee_id')} AS employee_id,
  COALESCE(${attr('full_name')}, NULLIF(concat_ws(' ', ${attr('given_name')}, ${attr('family_name')}), '')) AS full_name,
  ${attr('email')} AS email, ${attr('department')} AS department, ${attr('component')} AS component,
  ${attr('user_type')} AS user_type, ${attr('home_agency')} AS home_agency, i.last_updated`;

const PREFIX_COLUMNS = ['full_name', 'given_name', 'family_name', 'email', 'employee_id', 'npe_id'];

export async function listIdentities(store: Queryable, filter: IdentityFilter = {}): Promise<IdentityPage> {
  const limit = pageSize(filter.limit);
  const { where, params } = whereClause(filter);
  params.push(limit + 1);
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM identities i ${where} ORDER BY i.id LIMIT $${params.length}`;
  const rows = await store.query(sql, params);
  const items = rows.slice(0, limit).map(summaryOf);
  const last = items.at(-1);
  return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.id) } : { items };
}

export async function identityView(store: Store, id: string): Promise<IdentityView> {
  if (!UUID_PATTERN.test(id)) throw new MusterError('MUSTER_ERR_VALIDATION', `not an identity id: ${id}`, [{ field: 'id', value: id, message: 'must be a UUID' }]);
  // One snapshot for every part, so the view never mixes before and after a concurrent change.
  return store.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const [row] = await tx.query('SELECT * FROM identities WHERE id = $1', [id]);
    if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no identity with id ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
    return assembleView(tx, row);
  });
}

async function assembleView(tx: Queryable, row: Row): Promise<IdentityView> {
  const id = row.id as string;
  const sponsorId = (row.sponsor_id as string | null) ?? null;
  return {
    id,
    kind: row.kind as string,
    status: row.status as string,
    sponsorId,
    expiresAt: iso(row.expires_at),
    lastUpdated: isoRequired(row.last_updated),
    createdAt: isoRequired(row.created_at),
    updatedAt: isoRequired(row.updated_at),
    version: row.version as number,
    attributes: attributesOf(decodeAttributes(row.attributes, row.provenance)),
    sourceLinks: (await tx.query('SELECT source, source_key, observed_at FROM source_links WHERE identity_id = $1 ORDER BY source, source_key', [id])).map(sourceLinkOf),
    statusHistory: (await tx.query('SELECT * FROM status_history WHERE identity_id = $1 ORDER BY id', [id])).map(statusChangeOf),
    trust: trustOf((await tx.query(`SELECT *, adjudication_date::text AS adjudication_day FROM trust WHERE identity_id = $1`, [id]))[0]),
    behave: (await tx.query('SELECT *, completed::text AS completed_day, expires::text AS expires_day FROM behave WHERE identity_id = $1 ORDER BY course', [id])).map(behaveOf),
    credentials: (await tx.query('SELECT * FROM credentials WHERE identity_id = $1 ORDER BY updated_at, id', [id])).map(credentialOf),
    accounts: (await tx.query('SELECT * FROM accounts WHERE identity_id = $1 ORDER BY target, account_ref', [id])).map(accountOf),
    privileges: (await tx.query('SELECT * FROM privileges WHERE identity_id = $1 ORDER BY system, privilege_type, id', [id])).map(privilegeOf),
    entitlements: (await tx.query('SELECT * FROM entitlements WHERE identity_id = $1 ORDER BY target, entitlement', [id])).map(entitlementOf),
    sponsor: sponsorId ? ((await tx.query(`SELECT ${SUMMARY_COLUMNS} FROM identities i WHERE i.id = $1`, [sponsorId])).map(summaryOf)[0] ?? null) : null,
    sponsored: (await tx.query(`SELECT ${SUMMARY_COLUMNS} FROM identities i WHERE i.sponsor_id = $1 ORDER BY i.id`, [id])).map(summaryOf),
    flags: Array.isArray(row.flags) ? row.flags.map(String) : [],
  };
}

function whereClause(filter: IdentityFilter): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (filter.status !== undefined) add((p) => `i.status = ${p}`, oneOf('status', filter.status, IDENTITY_STATUSES));
  if (filter.kind !== undefined) add((p) => `i.kind = ${p}`, oneOf('kind', filter.kind, IDENTITY_KINDS));
  if (filter.userType !== undefined) add((p) => `${attr('user_type')} = ${p}`, oneOf('userType', filter.userType, USER_TYPES));
  if (filter.department !== undefined) add((p) => `${attr('department')} = ${p}`, filter.department);
  if (filter.component !== undefined) add((p) => `${attr('component')} = ${p}`, filter.component);
  if (filter.q !== undefined && filter.q.trim() !== '') add((p) => `(${PREFIX_COLUMNS.map((c) => `lower(${attr(c)}) LIKE ${p}`).join(' OR ')})`, prefixPattern(filter.q));
  if (filter.cursor !== undefined) add((p) => `i.id > ${p}`, decodeCursor(filter.cursor));
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

function oneOf(field: string, value: string, allowed: readonly string[]): string {
  if (allowed.includes(value)) return value;
  throw new MusterError('MUSTER_ERR_VALIDATION', `${field} must be one of ${allowed.join(', ')}`, [{ field, value, message: `must be one of ${allowed.join(', ')}` }]);
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE) return limit;
  throw new MusterError('MUSTER_ERR_VALIDATION', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`, [{ field: 'limit', value: String(limit), message: `must be 1 to ${MAX_PAGE_SIZE}` }]);
}

function prefixPattern(q: string): string {
  const text = q.trim().toLowerCase();
  if (text.length > MAX_QUERY_LENGTH) throw new MusterError('MUSTER_ERR_VALIDATION', `q is longer than ${MAX_QUERY_LENGTH} characters`, [{ field: 'q', message: 'too long' }]);
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function encodeCursor(id: string): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.slice(CURSOR_PREFIX.length);
  if (text.startsWith(CURSOR_PREFIX) && UUID_PATTERN.test(id)) return id;
  throw new MusterError('MUSTER_ERR_VALIDATION', 'cursor is not one this server gave out', [{ field: 'cursor', message: 'malformed cursor' }]);
}

function summaryOf(row: Row): IdentitySummary {
  return {
    id: row.id as string,
    kind: row.kind as string,
    status: row.status as string,
    employeeId: text(row.employee_id),
    fullName: text(row.full_name),
    email: text(row.email),
    department: text(row.department),
    component: text(row.component),
    userType: text(row.user_type),
    homeAgency: text(row.home_agency),
    lastUpdated: isoRequired(row.last_updated),
  };
}

interface StoredAttribute {
  v?: unknown;
  s?: unknown;
  r?: unknown;
  t?: unknown;
}

function attributesOf(value: unknown): AttributeView[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, StoredAttribute>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, a]) => ({ name, value: a?.v ?? null, source: text(a?.s), sourceRecord: text(a?.r), observedAt: text(a?.t) }));
}

function sourceLinkOf(row: Row): SourceLinkView {
  return { source: row.source as string, sourceKey: row.source_key as string, observedAt: isoRequired(row.observed_at) };
}

function statusChangeOf(row: Row): StatusChangeView {
  return {
    fromStatus: text(row.from_status),
    toStatus: row.to_status as string,
    reason: row.reason as string,
    source: row.source as string,
    eventId: (row.event_id as number | null) ?? null,
    at: isoRequired(row.at),
  };
}

function trustOf(row: Row | undefined): TrustView | null {
  if (!row) return null;
  return {
    eligibility: row.eligibility as string,
    status: row.status as string,
    investigationType: text(row.investigation_type),
    adjudicationDate: text(row.adjudication_day),
    continuousVetting: row.continuous_vetting === true,
    source: row.source as string,
    sourceRecord: row.source_record as string,
    observedAt: isoRequired(row.observed_at),
  };
}

function behaveOf(row: Row): BehaveView {
  return {
    course: row.course as string,
    status: row.status as string,
    completed: text(row.completed_day),
    expires: text(row.expires_day),
    source: row.source as string,
    sourceRecord: row.source_record as string,
    observedAt: isoRequired(row.observed_at),
  };
}

function credentialOf(row: Row): CredentialView {
  return {
    id: row.id as string,
    type: row.type as string,
    status: row.status as string,
    reference: text(row.reference),
    details: objectOf(row.details),
    issuedAt: iso(row.issued_at),
    expiresAt: iso(row.expires_at),
    updatedAt: isoRequired(row.updated_at),
  };
}

function accountOf(row: Row): AccountView {
  return {
    id: row.id as string,
    target: row.target as string,
    accountRef: row.account_ref as string,
    status: row.status as string,
    privileged: row.privileged === true,
    details: objectOf(row.details),
    updatedAt: isoRequired(row.updated_at),
  };
}

function privilegeOf(row: Row): PrivilegeView {
  return { id: row.id as string, privilegeType: row.privilege_type as string, status: row.status as string, system: row.system as string, updatedAt: isoRequired(row.updated_at) };
}

function entitlementOf(row: Row): EntitlementView {
  return {
    id: row.id as string,
    target: row.target as string,
    entitlement: row.entitlement as string,
    entitlementType: row.entitlement_type as string,
    reason: row.reason as string,
    grantedAt: isoRequired(row.granted_at),
  };
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}

function isoRequired(value: unknown): string {
  return iso(value) ?? '';
}

function objectOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

import { sql, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { MusterError } from '../core/errors.ts';
import type { IdentityState } from '../core/identity/record.ts';
import { IDENTITY_KINDS, USER_TYPES } from '../core/identity/kinds.ts';
import { IDENTITY_STATUSES } from '../core/identity/status.ts';
import { UUID_PATTERN } from '../core/ids.ts';
import type { Database, IdentitiesTable } from '../store/database.ts';
import type { Queryable, Store } from '../store/store.ts';
import { decodeAttributes, encodeAttributes, encodeAttributesText } from './attribute-codec.ts';
import { holdFromRow } from './holds.ts';
import { facetConditions } from './identity-filters.ts';
import { operatorRolesOf } from './operator-roles.ts';
import { skeletonsOf } from './skeleton.ts';
import {
  accountOf,
  attributesOf,
  behaveOf,
  credentialOf,
  entitlementOf,
  isoRequired,
  iso,
  privilegeOf,
  sourceLinkOf,
  statusChangeOf,
  summaryOf,
  trustOf,
  type IdentityFilter,
  type IdentityPage,
  type IdentitySummary,
  type IdentityView,
} from './identity-views.ts';

/**
 * The Master User Record in the store: identities as IdentityState (load, find, write new versions)
 * and the read side (filtered lists, the single view of one identity). Every query is built with Kysely.
 */

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const MAX_QUERY_LENGTH = 256;
const CURSOR_PREFIX = 'i1:';

/** The columns of an identity row, in the order `rowFromState` gives them (for COPY). */
export const IDENTITY_COLUMNS = [
  'id',
  'kind',
  'status',
  'attributes',
  'provenance',
  'sponsor_id',
  'expires_at',
  'flags',
  'last_updated',
  'created_at',
  'updated_at',
  'version',
  'name_skeleton',
  'email_skeleton',
] as const;

type IdentityRow = Selectable<IdentitiesTable>;

export function stateFromRow(row: IdentityRow): IdentityState {
  return {
    id: row.id,
    kind: row.kind as IdentityState['kind'],
    status: row.status as IdentityState['status'],
    attributes: decodeAttributes(row.attributes, row.provenance),
    sponsorId: row.sponsor_id,
    expiresAt: row.expires_at ? row.expires_at.toISOString().slice(0, 10) : null,
    flags: Array.isArray(row.flags) ? row.flags.map(String) : [],
    lastUpdated: row.last_updated,
    createdAt: row.created_at,
    version: row.version,
  };
}

/** An identity as a row of IDENTITY_COLUMNS, for COPY. */
export function rowFromState(state: IdentityState, updatedAt: Date): unknown[] {
  const stored = encodeAttributesText(state.attributes);
  const skeletons = skeletonsOfState(state);
  return [
    state.id,
    state.kind,
    state.status,
    stored.attributes,
    stored.provenance,
    state.sponsorId,
    expiresAt(state),
    state.flags,
    state.lastUpdated,
    state.createdAt,
    updatedAt,
    state.version,
    skeletons.name,
    skeletons.email,
  ];
}

/** The confusable skeletons (TR #39) of the identity's name and email, as stored beside it. */
function skeletonsOfState(state: IdentityState): { name: string | null; email: string | null } {
  const value = (name: string) => state.attributes[name]?.v;
  return skeletonsOf({ given_name: value('given_name'), family_name: value('family_name'), email: value('email') });
}

/** Identities written before their skeletons were stored (migration 019) get them, `batch` at a time; returns how many. */
export async function fillMissingSkeletons({ db }: Queryable, batch = 1000): Promise<number> {
  let filled = 0;
  for (;;) {
    const rows = await db
      .selectFrom('identities')
      .select(['id', 'attributes', 'provenance'])
      .where('name_skeleton', 'is', null)
      .where('email_skeleton', 'is', null)
      .where(sql<SqlBool>`(attributes ? 'email' OR (attributes ? 'given_name' AND attributes ? 'family_name'))`)
      .limit(batch)
      .execute();
    if (rows.length === 0) return filled;
    const skeletons = rows.map((row) => {
      const attributes = decodeAttributes(row.attributes, row.provenance);
      return skeletonsOf({ given_name: attributes.given_name?.v, family_name: attributes.family_name?.v, email: attributes.email?.v });
    });
    await db
      .updateTable('identities as i')
      .from(
        sql<{
          id: string;
          name_skeleton: string | null;
          email_skeleton: string | null;
        }>`(SELECT * FROM unnest(${rows.map((r) => r.id)}::uuid[], ${skeletons.map((k) => k.name)}::text[], ${skeletons.map((k) => k.email)}::text[]) AS u(id, name_skeleton, email_skeleton))`.as('u'),
      )
      .set((eb) => ({ name_skeleton: eb.ref('u.name_skeleton'), email_skeleton: eb.ref('u.email_skeleton') }))
      .whereRef('i.id', '=', 'u.id')
      .execute();
    filled += rows.length;
    // a batch of empty values stays null and would be read again
    if (rows.length < batch || skeletons.every((k) => k.name === null && k.email === null)) return filled;
  }
}

/** A skeleton looked for, with the text it was made from (a name's given and family name joined by one space). */
export interface SkeletonWanted {
  readonly skeleton: string;
  readonly text: string;
}

/**
 * Identities that share a name or email skeleton with a wanted one and whose text differs from that one's by a byte:
 * the same text is the same person's namesake, never a look-alike, and in a large MUR a common name has hundreds.
 * The caller still compares the folded texts (a change of case only is no look-alike).
 */
export async function findBySkeletons(
  { db }: Queryable,
  names: readonly SkeletonWanted[],
  emails: readonly SkeletonWanted[],
): Promise<{ identity: IdentityState; skeletons: { name: string | null; email: string | null } }[]> {
  if (names.length === 0 && emails.length === 0) return [];
  const nameText = sql<string>`btrim(i.attributes -> 'given_name' ->> 'v') || ' ' || btrim(i.attributes -> 'family_name' ->> 'v')`;
  const emailText = sql<string>`i.attributes -> 'email' ->> 'v'`;
  const matching = sql<{ id: string }>`
    SELECT i.id FROM unnest(${names.map((n) => n.skeleton)}::text[], ${names.map((n) => n.text)}::text[]) AS w(skeleton, text)
      JOIN identities i ON i.name_skeleton = w.skeleton WHERE ${nameText} IS DISTINCT FROM w.text
    UNION
    SELECT i.id FROM unnest(${emails.map((e) => e.skeleton)}::text[], ${emails.map((e) => e.text)}::text[]) AS w(skeleton, text)
      JOIN identities i ON i.email_skeleton = w.skeleton WHERE ${emailText} IS DISTINCT FROM w.text`;
  const rows = await db.selectFrom('identities').selectAll().where('id', 'in', sql<string>`(${matching})`).execute();
  return rows.map((row) => ({ identity: stateFromRow(row), skeletons: { name: row.name_skeleton, email: row.email_skeleton } }));
}

function expiresAt(state: IdentityState): string | null {
  return state.expiresAt ? `${state.expiresAt}T00:00:00Z` : null;
}

export async function loadIdentities({ db }: Queryable, ids: readonly string[]): Promise<Map<string, IdentityState>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('identities')
    .selectAll()
    .where((eb) => eb('id', '=', eb.fn.any(eb.val([...ids]))))
    .execute();
  return new Map(rows.map((r) => [r.id, stateFromRow(r)]));
}

/** Identities whose attributes `names` equal one of the value tuples (correlation look-ups); the database does the matching. */
export async function findByAttributes({ db }: Queryable, names: readonly string[], tuples: readonly (readonly string[])[]): Promise<IdentityState[]> {
  if (tuples.length === 0 || names.length === 0) return [];
  const values = sql.join(names.map((name) => sql`attributes -> ${name} ->> 'v'`));
  const wanted = sql.join(names.map((_, i) => sql`${tuples.map((t) => t[i] ?? '')}::text[]`));
  const rows = await db.selectFrom('identities').selectAll().where(sql<SqlBool>`(${values}) IN (SELECT * FROM unnest(${wanted}))`).execute();
  return rows.map(stateFromRow);
}

/** One new version of an identity, as `updateIdentities` sends it (JSON columns typed as what an update takes). */
interface IdentityUpdate {
  id: string;
  status: string;
  attributes: string;
  provenance: string;
  sponsor_id: string | null;
  expires_at: Date | null;
  flags: string;
  last_updated: Date;
  version: number;
  name_skeleton: string | null;
  email_skeleton: string | null;
}

/** Writes new versions of existing identities; refuses silently-lost updates by checking the version. */
export async function updateIdentities({ db }: Queryable, states: readonly IdentityState[], updatedAt: Date): Promise<void> {
  if (states.length === 0) return;
  const rows = await db
    .updateTable('identities as i')
    .from(updates(states).as('u'))
    .set((eb) => ({
      status: eb.ref('u.status'),
      attributes: eb.ref('u.attributes'),
      provenance: eb.ref('u.provenance'),
      sponsor_id: eb.ref('u.sponsor_id'),
      expires_at: eb.ref('u.expires_at'),
      flags: eb.ref('u.flags'),
      last_updated: eb.ref('u.last_updated'),
      updated_at: updatedAt,
      version: eb.ref('u.version'),
      name_skeleton: eb.ref('u.name_skeleton'),
      email_skeleton: eb.ref('u.email_skeleton'),
    }))
    .whereRef('i.id', '=', 'u.id')
    .where((eb) => eb('i.version', '=', eb(eb.ref('u.version'), '-', 1)))
    .returning('i.id')
    .execute();
  if (rows.length !== states.length) {
    throw new MusterError('MUSTER_ERR_CONFLICT', `${states.length - rows.length} identities changed concurrently; retry the operation`);
  }
}

/** The new versions as a derived table, one array per column, so the statement's size does not grow with the batch. */
function updates(states: readonly IdentityState[]) {
  const col = (pick: (s: IdentityState) => unknown) => states.map(pick);
  const stored = states.map((s) => encodeAttributes(s.attributes));
  const skeletons = states.map(skeletonsOfState);
  return sql<IdentityUpdate>`(SELECT * FROM unnest(${col((s) => s.id)}::uuid[], ${col((s) => s.status)}::text[], ${stored.map((s) => JSON.stringify(s.attributes))}::jsonb[],
    ${stored.map((s) => JSON.stringify(s.provenance))}::jsonb[], ${col((s) => s.sponsorId)}::uuid[], ${col(expiresAt)}::timestamptz[], ${col((s) => JSON.stringify(s.flags))}::jsonb[],
    ${col((s) => s.lastUpdated)}::timestamptz[], ${col((s) => s.version)}::int[], ${skeletons.map((k) => k.name)}::text[], ${skeletons.map((k) => k.email)}::text[])
    AS u(id, status, attributes, provenance, sponsor_id, expires_at, flags, last_updated, version, name_skeleton, email_skeleton))`;
}

/** `attributes -> 'name' ->> 'v'` of the identity `i`; the name is a literal so that the expression indexes on it are used. */
const attr = (name: string) => sql<string | null>`i.attributes -> ${sql.lit(name)} ->> 'v'`;

const PREFIX_COLUMNS = ['full_name', 'given_name', 'family_name', 'email', 'employee_id', 'npe_id'];

function summaries(db: Kysely<Database>) {
  return db
    .selectFrom('identities as i')
    .select([
      'i.id',
      'i.kind',
      'i.status',
      attr('employee_id').as('employee_id'),
      sql<string | null>`COALESCE(${attr('full_name')}, NULLIF(concat_ws(' ', ${attr('given_name')}, ${attr('family_name')}), ''))`.as('full_name'),
      attr('email').as('email'),
      attr('department').as('department'),
      attr('component').as('component'),
      attr('user_type').as('user_type'),
      attr('home_agency').as('home_agency'),
      'i.last_updated',
    ]);
}

export async function listIdentities({ db }: Queryable, filter: IdentityFilter = {}): Promise<IdentityPage> {
  const limit = pageSize(filter.limit);
  const conditions = filterConditions(filter);
  const rows = await summaries(db)
    .where((eb) => eb.and(conditions))
    .orderBy('i.id')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(summaryOf);
  const last = items.at(-1);
  return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.id) } : { items };
}

function filterConditions(filter: IdentityFilter): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.status !== undefined) conditions.push(sql`i.status = ${oneOf('status', filter.status, IDENTITY_STATUSES)}`);
  if (filter.kind !== undefined) conditions.push(sql`i.kind = ${oneOf('kind', filter.kind, IDENTITY_KINDS)}`);
  if (filter.userType !== undefined) conditions.push(sql`${attr('user_type')} = ${oneOf('userType', filter.userType, USER_TYPES)}`);
  if (filter.department !== undefined) conditions.push(sql`${attr('department')} = ${filter.department}`);
  if (filter.component !== undefined) conditions.push(sql`${attr('component')} = ${filter.component}`);
  if (filter.q !== undefined && filter.q.trim() !== '') {
    const pattern = prefixPattern(filter.q);
    conditions.push(
      sql`(${sql.join(
        PREFIX_COLUMNS.map((c) => sql`lower(${attr(c)}) LIKE ${pattern}`),
        sql` OR `,
      )})`,
    );
  }
  conditions.push(...facetConditions(filter));
  if (filter.cursor !== undefined) conditions.push(sql`i.id > ${decodeCursor(filter.cursor)}`);
  return conditions;
}

export async function identityView(store: Store, id: string): Promise<IdentityView> {
  if (!UUID_PATTERN.test(id)) throw new MusterError('MUSTER_ERR_VALIDATION', `not an identity id: ${id}`, [{ field: 'id', value: id, message: 'must be a UUID' }]);
  // One snapshot for every part, so the view never mixes before and after a concurrent change.
  return store.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (db) => {
      const row = await db.selectFrom('identities').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no identity with id ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
      return assembleView(db, row);
    });
}

async function assembleView(db: Kysely<Database>, row: IdentityRow): Promise<IdentityView> {
  const { id, sponsor_id: sponsorId } = row;
  return {
    id,
    kind: row.kind,
    status: row.status,
    sponsorId,
    expiresAt: iso(row.expires_at),
    lastUpdated: isoRequired(row.last_updated),
    createdAt: isoRequired(row.created_at),
    updatedAt: isoRequired(row.updated_at),
    version: row.version,
    attributes: attributesOf(decodeAttributes(row.attributes, row.provenance)),
    sourceLinks: (await db.selectFrom('source_links').select(['source', 'source_key', 'observed_at']).where('identity_id', '=', id).orderBy('source').orderBy('source_key').execute()).map(
      sourceLinkOf,
    ),
    statusHistory: (await db.selectFrom('status_history').selectAll().where('identity_id', '=', id).orderBy('id').execute()).map(statusChangeOf),
    trust: trustOf(await db.selectFrom('trust').selectAll().select(sql<string | null>`adjudication_date::text`.as('adjudication_day')).where('identity_id', '=', id).executeTakeFirst()),
    behave: (
      await db
        .selectFrom('behave')
        .selectAll()
        .select([sql<string | null>`completed::text`.as('completed_day'), sql<string | null>`expires::text`.as('expires_day')])
        .where('identity_id', '=', id)
        .orderBy('course')
        .execute()
    ).map(behaveOf),
    credentials: (await db.selectFrom('credentials').selectAll().where('identity_id', '=', id).orderBy('updated_at').orderBy('id').execute()).map(credentialOf),
    accounts: (await db.selectFrom('accounts').selectAll().where('identity_id', '=', id).orderBy('target').orderBy('account_ref').execute()).map(accountOf),
    privileges: (await db.selectFrom('privileges').selectAll().where('identity_id', '=', id).orderBy('system').orderBy('privilege_type').orderBy('id').execute()).map(privilegeOf),
    entitlements: (await db.selectFrom('entitlements').selectAll().where('identity_id', '=', id).orderBy('target').orderBy('entitlement').execute()).map(entitlementOf),
    sponsor: sponsorId ? await sponsorSummary(db, sponsorId) : null,
    sponsored: (await summaries(db).where('i.sponsor_id', '=', id).orderBy('i.id').execute()).map(summaryOf),
    flags: Array.isArray(row.flags) ? row.flags.map(String) : [],
    holds: (await db.selectFrom('identity_holds').selectAll().where('identity_id', '=', id).orderBy('placed_at', 'desc').orderBy('id').execute()).map(holdFromRow),
    operatorRoles: await operatorRolesOf(db, id),
  };
}

async function sponsorSummary(db: Kysely<Database>, id: string): Promise<IdentitySummary | null> {
  const row = await summaries(db).where('i.id', '=', id).executeTakeFirst();
  return row ? summaryOf(row) : null;
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

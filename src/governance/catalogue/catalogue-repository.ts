import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';

/** Catalogue items in the store: one row per version. Every query is built with Kysely. */

export interface CatalogueRow {
  name: string;
  version: number;
  kind: string;
  document: unknown;
  enabled: boolean;
  author: string;
  reason: string;
  created_at: Date;
}

const COLUMNS = ['name', 'version', 'kind', 'document', 'enabled', 'author', 'reason', 'created_at'] as const;
const CATALOGUE_LOCK = 7_266_021;

/** The newest version of every item, enabled or not, by name. */
export async function newestItems({ db }: Queryable): Promise<CatalogueRow[]> {
  return (await db.selectFrom('catalogue_items').select(COLUMNS).distinctOn('name').orderBy('name').orderBy('version', 'desc').execute()) as CatalogueRow[];
}

/** Every version of one item, newest first. */
export async function itemVersions({ db }: Queryable, name: string): Promise<CatalogueRow[]> {
  return (await db.selectFrom('catalogue_items').select(COLUMNS).where('name', '=', name).orderBy('version', 'desc').execute()) as CatalogueRow[];
}

/** The next version number of an item, under the catalogue's lock until the transaction ends. */
export async function nextVersion({ db }: Queryable, name: string): Promise<number> {
  await sql`SELECT pg_advisory_xact_lock(${CATALOGUE_LOCK})`.execute(db);
  const row = await db
    .selectFrom('catalogue_items')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(row?.v ?? 0) + 1;
}

export async function insertVersion({ db }: Queryable, row: CatalogueRow): Promise<void> {
  await db
    .insertInto('catalogue_items')
    .values({ ...row, document: JSON.stringify(row.document) })
    .execute();
}

/** Which of these ids are identities of the MUR. */
export async function existingIdentities({ db }: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('identities')
    .select('id')
    .where('id', 'in', [...ids])
    .execute();
  return new Set(rows.map((r) => r.id));
}

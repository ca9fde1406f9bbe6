import { after, describe } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { createTestSchema, dropOwnSchemas, dropTestSchema, sweepAbandonedSchemas } from './pg-schemas.ts';
import { openPgliteClone, seedPgliteDataDir } from './pglite-template.ts';

export const POSTGRES_URL = process.env.MUSTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface StoreFactory {
  readonly name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty store: a copy of the migrated PGlite template in memory, or its own schema on the PostgreSQL server (dropped when the store closes). */
  open(): Promise<Store>;
}

/** Whether the PostgreSQL test server answers. */
export async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL is required in CI (and when MUSTER_TEST_POSTGRES=required); elsewhere its leg is skipped loudly. */
export function postgresRequired(): boolean {
  return process.env.CI === 'true' || process.env.MUSTER_TEST_POSTGRES === 'required';
}

/** A URL for a new, empty schema of its own; the schema is dropped when this process's tests end. */
export async function freshSchemaUrl(): Promise<string> {
  return schemaUrl(await createTestSchema(POSTGRES_URL));
}

function schemaUrl(schema: string): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Asked once per test process, before any suite is declared, so that suites can be declared synchronously. */
const postgresReachable = await reachable();
if (postgresReachable) {
  await sweepAbandonedSchemas(POSTGRES_URL);
  after(() => dropOwnSchemas(POSTGRES_URL).catch((error: unknown) => void process.stderr.write(`# test schemas not dropped: ${String(error)}\n`)));
}

export const pgliteFactory: StoreFactory = { name: 'pglite', open: openPgliteClone };
export const postgresFactory: StoreFactory = { name: 'postgres', open: openPostgresSchemaStore };

/** A store on a schema of its own, dropped once the store is closed. */
async function openPostgresSchemaStore(): Promise<Store> {
  const schema = await createTestSchema(POSTGRES_URL);
  const store = await openStore({ dataDir: ':memory:', databaseUrl: schemaUrl(schema), poolSize: 4 });
  return { ...store, close: () => store.close().finally(() => dropTestSchema(POSTGRES_URL, schema)) };
}

/**
 * The environment a `muster` command needs to use the store of `factory` with `--data-dir dataDir`: on PostgreSQL, a
 * schema of its own (`DATABASE_URL`); on PGlite, none, the data folder holding a copy of the migrated template.
 */
export async function commandStoreEnv(factory: StoreFactory, dataDir: string): Promise<Record<string, string>> {
  if (factory.name === 'postgres') return { DATABASE_URL: await freshSchemaUrl() };
  await seedPgliteDataDir(dataDir);
  return {};
}

/** Runs `suite` once per store adapter. The PostgreSQL leg fails loudly in CI if the server is missing. */
export function describeEachStore(title: string, suite: (factory: StoreFactory) => void): void {
  describe(`${title} [pglite]`, () => suite(pgliteFactory));
  if (postgresReachable) {
    describe(`${title} [postgres]`, () => suite(postgresFactory));
    return;
  }
  if (postgresRequired()) throw new Error(`PostgreSQL is required here but not reachable at ${POSTGRES_URL}`);
  process.stderr.write(`# PostgreSQL not reachable at ${POSTGRES_URL}: the postgres leg of "${title}" was not run\n`);
}

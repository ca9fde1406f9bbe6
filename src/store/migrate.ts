import { readdir, readFile } from 'node:fs/promises';
import { MusterError } from '../core/errors.ts';
import type { Store } from './store.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const MIGRATION_LOCK = 7_266_001;

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

async function migrationFiles(): Promise<string[]> {
  return (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
}

export async function loadMigrations(): Promise<Migration[]> {
  const files = await migrationFiles();
  return Promise.all(files.map(async (name) => ({ version: Number(name.slice(0, 3)), name, sql: await readFile(new URL(name, MIGRATIONS_DIR), 'utf8') })));
}

/** True when the store has exactly the migrations this muster ships: one query, no lock, nothing read but names. */
async function schemaIsCurrent(store: Store): Promise<boolean> {
  const versions = (await migrationFiles()).map((name) => Number(name.slice(0, 3)));
  try {
    const done = (await store.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version);
    return done.length === versions.length && done.every((v, i) => v === versions[i]);
  } catch {
    return false;
  }
}

/**
 * Applies pending migrations, each in its own transaction, under an advisory lock shared by all processes. A store
 * already current is left alone after one query.
 */
export async function migrate(store: Store): Promise<number[]> {
  if (await schemaIsCurrent(store)) return [];
  const migrations = await loadMigrations();
  return store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const newest = Math.max(0, ...migrations.map((m) => m.version));
    const unknown = [...done].filter((v) => v > newest);
    if (unknown.length > 0) {
      throw new MusterError('MUSTER_ERR_STORE_MIGRATION', `the database has schema version ${Math.max(...unknown)}, newer than this muster knows (${newest})`);
    }
    const applied: number[] = [];
    for (const m of migrations.filter((m) => !done.has(m.version))) {
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

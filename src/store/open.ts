import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openPgliteStore } from './dialects/pglite.ts';
import { lockDataDir } from './dialects/pglite-lock.ts';
import { openPostgresStore } from './dialects/postgres.ts';
import { migrate } from './migrate.ts';
import { keepPrivate } from './private-folder.ts';
import type { Store } from './store.ts';

export interface StoreOptions {
  /** A PostgreSQL URL; when absent the embedded PGlite store is used. */
  readonly databaseUrl?: string | undefined;
  /** Folder for embedded data; `:memory:` keeps it in memory. */
  readonly dataDir: string;
  readonly poolSize?: number;
  /** Free bytes an embedded store keeps on its disk; writes are refused under it (default 64 MiB). */
  readonly diskReserveBytes?: number;
}

/** Opens the configured store and brings its schema up to date. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl ? await openPostgresStore(options.databaseUrl, options.poolSize) : await openEmbedded(options.dataDir, options.diskReserveBytes);
  try {
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

async function openEmbedded(dataDir: string, diskReserveBytes: number | undefined): Promise<Store> {
  if (dataDir === ':memory:') return openPgliteStore(undefined);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const unlock = await lockDataDir(join(dataDir, 'pglite.lock'));
  try {
    const store = await openPgliteStore(join(dataDir, 'pglite'), { diskReserveBytes });
    await keepPrivate(dataDir);
    return { ...store, close: () => store.close().finally(unlock) };
  } catch (error) {
    await unlock();
    throw error;
  }
}

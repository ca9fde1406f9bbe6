// A migrated PGlite data folder, made once and kept in the temporary folder under a name keyed by the
// migrations and the PGlite version, so that each test store starts from a copy instead of running
// initdb and every migration again.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after } from 'node:test';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { openPgliteStore } from '../../src/store/dialects/pglite.ts';
import { pgliteWasm } from '../../src/store/dialects/pglite-wasm.ts';
import { loadMigrations, migrate } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { PglitePool } from './pglite-pool.ts';

const TAR = 'application/x-tar';
const PGLITE_PACKAGE = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url);
/**
 * What the template holds besides the migrations; a change here makes a new template. Test stores keep a small
 * buffer pool: PostgreSQL clears its whole shared memory at every start, and a test store is small.
 */
const TEMPLATE_SETTINGS = ["ALTER SYSTEM SET shared_buffers = '16MB'", 'ALTER SYSTEM SET max_connections = 10'];

let image: Promise<Blob> | undefined;
let copies = 0;

const pool = new PglitePool();
after(() => pool.drain());

/**
 * A fresh in-memory PGlite store, a copy of the migrated template: independent of every other. A closed copy, emptied
 * back to the template, is handed out again (pglite-pool.ts).
 */
export async function openPgliteClone(): Promise<Store> {
  const store = await pool.take(newPgliteCopy);
  copies += 1;
  return store;
}

/** A new PGlite in memory, loaded from the template (not from the pool). */
export async function newPgliteCopy(): Promise<Store> {
  const store = await openPgliteStore(undefined, { loadDataDir: await templateImage() });
  try {
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * Gives an empty muster data folder (`--data-dir`) an embedded database copied from the template, so that the first
 * command run on it opens a migrated store instead of creating a cluster and migrating it.
 */
export async function seedPgliteDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const wasm = await pgliteWasm();
  const db = new PGlite(join(dataDir, 'pglite'), { loadDataDir: await templateImage(), ...(wasm ? { pgliteWasmModule: wasm } : {}) });
  await db.waitReady;
  await db.close();
  copies += 1;
}

/** How many copies of the template this process has opened. */
export function copiesOpened(): number {
  return copies;
}

/** The template image, read (or made) once per process. */
export function templateImage(): Promise<Blob> {
  image ??= cachedImage().catch((error: unknown) => {
    image = undefined;
    throw error;
  });
  return image;
}

/** Where the image for the current migrations lives: one file per set of migrations, settings and PGlite version. */
export async function templatePath(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.parse(await readFile(PGLITE_PACKAGE, 'utf8')).version);
  for (const setting of TEMPLATE_SETTINGS) hash.update(`\0${setting}`);
  for (const m of await loadMigrations()) hash.update(`\0${m.name}\0${m.sql}`);
  return join(tmpdir(), `muster-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
}

async function cachedImage(): Promise<Blob> {
  const path = await templatePath();
  const bytes = await readFile(path).catch(() => undefined);
  if (bytes) return new Blob([bytes], { type: TAR });
  const made = await makeImage();
  await publish(path, new Uint8Array(await made.arrayBuffer()));
  return made;
}

/**
 * Migrates a store in a scratch folder through the ordinary path, applies the template's settings, checkpoints (so
 * that a copy starts without replaying the migrations' write-ahead log), then dumps its data folder uncompressed.
 */
async function makeImage(): Promise<Blob> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-pglite-template-'));
  try {
    await (await openStore({ dataDir: dir })).close();
    const db = await PGlite.create(join(dir, 'pglite'));
    try {
      for (const setting of TEMPLATE_SETTINGS) await db.exec(setting);
      await db.exec('CHECKPOINT');
      return new Blob([await (await db.dumpDataDir('none')).arrayBuffer()], { type: TAR });
    } finally {
      await db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes beside the target and renames, so that concurrent test processes never read half a file. */
async function publish(path: string, bytes: Uint8Array): Promise<void> {
  const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(partial, bytes);
  await rename(partial, path);
}

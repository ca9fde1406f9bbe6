import { PGlite, types } from '@electric-sql/pglite';
import { Availability } from '../availability.ts';
import { storeError } from '../store-error.ts';
import { copyChunks, copyStatement } from '../copy-text.ts';
import { kyselyOver, type Begin } from '../kysely.ts';
import { within } from '../ping.ts';
import type { Queryable, Row, StatementRunner, Store, StoreCapabilities } from '../store.ts';
import { diskSpaceGuard, mayWrite } from './pglite-space.ts';
import { createClusterApart } from './pglite-create.ts';
import { pgliteWasm } from './pglite-wasm.ts';
import { type InTurn, inTurn, sideBySide } from '../in-turn.ts';

const CAPABILITIES: StoreCapabilities = Object.freeze({ multipleConnections: false, skipLocked: false });
const PARSERS = { [types.INT8]: (v: string) => Number(v) };

interface PGliteLike {
  exec(sql: string): Promise<unknown>;
  query<R>(sql: string, params?: unknown[], options?: { blob?: Blob }): Promise<{ rows: R[]; affectedRows?: number }>;
}

/** Run before a write; refuses it (MUSTER_ERR_STORE_FULL) while the disk is nearly full. */
type WriteCheck = () => Promise<void>;

function queryable(db: PGliteLike, checkWrite: WriteCheck, begin?: Begin, turn: InTurn = sideBySide): Queryable {
  const run: StatementRunner = <R extends Row>(sql: string, params: readonly unknown[]) =>
    turn(async () => {
      try {
        if (mayWrite(sql)) await checkWrite();
        const result = await db.query<R>(sql, [...params]);
        return { rows: result.rows, affectedRows: result.affectedRows };
      } catch (error) {
        throw storeError(error, sql);
      }
    });
  return {
    db: kyselyOver(run, begin),
    run,
    query: async (sql, params = []) => (await run(sql, params)).rows as never,
    exec: (sql: string) =>
      turn(async () => {
        try {
          await checkWrite();
          await db.exec(sql);
        } catch (error) {
          throw storeError(error, sql);
        }
      }),
    async copyRows(table, columns, rows) {
      if (rows.length === 0) return;
      const blob = new Blob([...copyChunks(rows)]);
      await turn(async () => {
        try {
          await checkWrite();
          await db.query(copyStatement(table, columns, `'/dev/blob'`), [], { blob });
        } catch (error) {
          throw storeError(error, `COPY ${table}`);
        }
      });
    },
  };
}

export interface PgliteOptions {
  /** Free bytes kept on the data folder's disk; writes are refused under it (default DISK_RESERVE_BYTES). */
  readonly diskReserveBytes?: number;
  /** An image of a data folder (from PGlite's `dumpDataDir`) an in-memory store starts from instead of an empty cluster. */
  readonly loadDataDir?: Blob;
}

/** Embedded PostgreSQL (WASM) with its data in a local folder, or in memory when dataDir is undefined. */
export async function openPgliteStore(dataDir: string | undefined, options: PgliteOptions = {}): Promise<Store> {
  const wasm = await pgliteWasm();
  const common = { parsers: PARSERS, ...(wasm ? { pgliteWasmModule: wasm } : {}) };
  if (dataDir !== undefined) await createClusterApart(dataDir);
  const db = dataDir === undefined ? new PGlite({ ...common, loadDataDir: options.loadDataDir }) : new PGlite(dataDir, common);
  await db.waitReady;
  const checkWrite: WriteCheck = dataDir === undefined ? async () => {} : diskSpaceGuard(dataDir, options.diskReserveBytes);
  const transaction: Begin = async (fn) => {
    try {
      await checkWrite();
    } catch (error) {
      throw storeError(error, 'BEGIN');
    }
    return db.transaction((tx) => fn(queryable(tx as unknown as PGliteLike, checkWrite, undefined, inTurn())));
  };
  return {
    adapter: 'pglite',
    capabilities: CAPABILITIES,
    availability: new Availability(),
    ...queryable(db as unknown as PGliteLike, checkWrite, transaction),
    transaction,
    async ping(timeoutMs) {
      try {
        await within(db.query('SELECT 1'), timeoutMs);
      } catch (error) {
        throw storeError(error, 'SELECT 1');
      }
    },
    close: () => db.close(),
  };
}

import { PGlite, types } from '@electric-sql/pglite';
import { storeError } from '../store-error.ts';
import { copyStatement, encodeCopyText } from '../copy-text.ts';
import type { Queryable, Row, Store, StoreCapabilities } from '../store.ts';

const CAPABILITIES: StoreCapabilities = Object.freeze({ multipleConnections: false, skipLocked: false });
const PARSERS = { [types.INT8]: (v: string) => Number(v) };

interface PGliteLike {
  exec(sql: string): Promise<unknown>;
  query<R>(sql: string, params?: unknown[], options?: { blob?: Blob }): Promise<{ rows: R[] }>;
}

function queryable(db: PGliteLike): Queryable {
  return {
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      try {
        return (await db.query<R>(sql, [...params])).rows;
      } catch (error) {
        throw storeError(error, sql);
      }
    },
    async exec(sql: string) {
      try {
        await db.exec(sql);
      } catch (error) {
        throw storeError(error, sql);
      }
    },
    async copyRows(table, columns, rows) {
      if (rows.length === 0) return;
      const blob = new Blob([encodeCopyText(rows)]);
      try {
        await db.query(copyStatement(table, columns, `'/dev/blob'`), [], { blob });
      } catch (error) {
        throw storeError(error, `COPY ${table}`);
      }
    },
  };
}

/** Embedded PostgreSQL (WASM) with its data in a local folder, or in memory when dataDir is undefined. */
export async function openPgliteStore(dataDir: string | undefined): Promise<Store> {
  const db = dataDir === undefined ? new PGlite({ parsers: PARSERS }) : new PGlite(dataDir, { parsers: PARSERS });
  await db.waitReady;
  const base = queryable(db as unknown as PGliteLike);
  return {
    adapter: 'pglite',
    capabilities: CAPABILITIES,
    ...base,
    transaction: (fn) => db.transaction((tx) => fn(queryable(tx as unknown as PGliteLike))),
    close: () => db.close(),
  };
}

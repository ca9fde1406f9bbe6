import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { MusterError } from '../../core/errors.ts';
import { copyStatement, encodeCopyText } from '../copy-text.ts';
import type { Queryable, Row, Store, StoreCapabilities } from '../store.ts';
import { storeError } from '../store-error.ts';

const CAPABILITIES: StoreCapabilities = Object.freeze({ multipleConnections: true, skipLocked: true });

pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

type Client = pg.PoolClient | pg.Pool;

function queryable(client: Client, connect: () => Promise<pg.PoolClient>): Queryable {
  return {
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      try {
        return (await client.query<R>(sql, [...params])).rows;
      } catch (error) {
        throw storeError(error, sql);
      }
    },
    async exec(sql: string) {
      try {
        await client.query(sql);
      } catch (error) {
        throw storeError(error, sql);
      }
    },
    async copyRows(table, columns, rows) {
      if (rows.length === 0) return;
      const conn = client instanceof pg.Pool ? await connect() : client;
      try {
        const stream = conn.query(copyFrom(copyStatement(table, columns, 'STDIN')));
        await pipeline(Readable.from([encodeCopyText(rows)]), stream);
      } catch (error) {
        throw storeError(error, `COPY ${table}`);
      } finally {
        if (conn !== client) conn.release();
      }
    },
  };
}

/** A PostgreSQL server through a connection pool; several muster processes may share it. */
export async function openPostgresStore(url: string, poolSize = 10): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('error', () => {}); // idle client errors surface on the next query
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw new MusterError('MUSTER_ERR_STORE', `cannot reach PostgreSQL at ${redact(url)}: ${(error as Error).message}`, [], { cause: error });
  }
  const connect = () => pool.connect();
  return {
    adapter: 'postgres',
    capabilities: CAPABILITIES,
    ...queryable(pool, connect),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(queryable(client, connect));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

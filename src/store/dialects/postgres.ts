import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { MusterError } from '../../core/errors.ts';
import { Availability } from '../availability.ts';
import { copyChunks, copyStatement } from '../copy-text.ts';
import { kyselyOver, type Begin } from '../kysely.ts';
import { within } from '../ping.ts';
import type { Queryable, Row, StatementRunner, Store, StoreCapabilities, Tx } from '../store.ts';
import { isStoreUnavailable, storeError } from '../store-error.ts';
import { inTurn, sideBySide } from '../in-turn.ts';
import { listenOn } from './postgres-listen.ts';
import { PreparedStatements } from './prepared-statements.ts';

const CAPABILITIES: StoreCapabilities = Object.freeze({ multipleConnections: true, skipLocked: true });
/** How long a new connection may take before the statement fails as MUSTER_ERR_STORE_UNAVAILABLE. */
const CONNECT_TIMEOUT_MS = 10_000;

pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

/** A client taken from the pool with an 'error' listener, so that a connection lost while it is out cannot crash the process. */
interface Session {
  readonly client: pg.PoolClient;
  /** Back to the pool, or dropped when its connection was lost (an 'error' event, or `failure` a connection error). */
  release(failure?: unknown): void;
}

/**
 * The callback form of `pool.connect`, so that the listener is on before the client's socket is read again: with the
 * promise form it is attached a microtask later, and a server's FATAL message read in the same chunk as the end of the
 * handshake (a backend terminated as it connects) would find the client without one and crash the process.
 */
function checkout(pool: pg.Pool): Promise<Session> {
  return new Promise((resolve, reject) => {
    pool.connect((error, client) => {
      if (error || !client) reject(error ?? new Error('the pool gave no client'));
      else resolve(watched(client));
    });
  });
}

function watched(client: pg.PoolClient): Session {
  let lost: Error | undefined;
  const onError = (error: Error) => (lost ??= error);
  client.on('error', onError);
  return {
    client,
    release(failure) {
      if (!lost && isStoreUnavailable(failure)) lost = failure instanceof Error ? failure : new Error(String(failure));
      // a lost client keeps the listener: its socket may still report errors after the pool drops it
      if (!lost) client.off('error', onError);
      client.release(lost);
    },
  };
}

/** How many distinct statement texts a process keeps named prepared statements for (on each connection). */
const PREPARED_LIMIT = 300;

/**
 * One statement; with parameters, as a named prepared statement while there is room (prepared-statements.ts).
 * `outsideTransaction`: a statement refused after a schema change is sent again unnamed (in a transaction it has
 * aborted the transaction, and the caller's next transaction sends the text unnamed).
 */
async function send<R extends Row>(client: pg.PoolClient, prepared: PreparedStatements, sql: string, params: readonly unknown[], outsideTransaction: boolean): Promise<pg.QueryResult<R>> {
  // without parameters pg sends a simple query: one message, no plan kept
  if (params.length === 0) return client.query<R>(sql);
  try {
    return await client.query<R>(prepared.config(sql, [...params]));
  } catch (error) {
    if (!prepared.refusedAfterSchemaChange(sql, error) || !outsideTransaction) throw error;
    return client.query<R>(sql, [...params]);
  }
}

/**
 * Runs work on a pooled connection and gives it back. Not `pool.query`: the pool drops a connection after any error of
 * its statement, so a refused statement (a unique key, the audit log's moved head) cost a new connection, its backend
 * and every statement prepared on it again. Here only a lost connection is dropped (`watched`).
 */
async function onPooled<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const session = await checkout(pool);
  let failure: unknown;
  try {
    return await work(session.client);
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    session.release(failure);
  }
}

function queryable(client: pg.PoolClient | pg.Pool, pool: pg.Pool, availability: Availability, prepared: PreparedStatements, begin?: Begin): Queryable {
  const turn = client instanceof pg.Pool ? sideBySide : inTurn();
  const outsideTransaction = client instanceof pg.Pool;
  const on = <T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> => (client instanceof pg.Pool ? onPooled(client, work) : work(client));
  const run: StatementRunner = async <R extends Row>(sql: string, params: readonly unknown[]) => {
    try {
      const result = await turn(() => availability.track(() => on((c) => send<R>(c, prepared, sql, params, outsideTransaction))));
      return { rows: result.rows, affectedRows: result.rowCount ?? undefined };
    } catch (error) {
      throw storeError(error, sql);
    }
  };
  return {
    db: kyselyOver(run, begin),
    run,
    query: async (sql, params = []) => (await run(sql, params)).rows as never,
    async exec(sql: string) {
      try {
        await turn(() => availability.track(() => on((c) => c.query(sql))));
      } catch (error) {
        throw storeError(error, sql);
      }
    },
    async copyRows(table, columns, rows) {
      if (rows.length === 0) return;
      const session =
        client instanceof pg.Pool
          ? await checkout(pool).catch((error: unknown) => {
              throw storeError(error, `COPY ${table}`);
            })
          : undefined;
      const conn = session?.client ?? (client as pg.PoolClient);
      let failure: unknown;
      try {
        const copy = () => availability.track(() => pipeline(Readable.from(copyChunks(rows)), conn.query(copyFrom(copyStatement(table, columns, 'STDIN')))));
        await (session ? copy() : turn(copy));
      } catch (error) {
        failure = error;
        throw storeError(error, `COPY ${table}`);
      } finally {
        session?.release(failure);
      }
    },
  };
}

/** A session in a transaction; a connection found lost before any work (a stale pooled client, a restart) is retried once. */
async function begin(pool: pg.Pool, availability: Availability): Promise<Session> {
  for (let attempt = 1; ; attempt++) {
    let session: Session | undefined;
    try {
      session = await checkout(pool);
      await availability.track(() => session!.client.query('BEGIN'));
      return session;
    } catch (error) {
      session?.release(error);
      if (attempt >= 2 || !isStoreUnavailable(error)) throw storeError(error, 'BEGIN');
    }
  }
}

async function inTransaction<T>(pool: pg.Pool, availability: Availability, prepared: PreparedStatements, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const session = await begin(pool, availability);
  let failure: unknown;
  try {
    const result = await fn(queryable(session.client, pool, availability, prepared));
    await availability
      .track(() => session.client.query('COMMIT'))
      .catch((error: unknown) => {
        throw storeError(error, 'COMMIT');
      });
    return result;
  } catch (error) {
    failure = error;
    await session.client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    session.release(failure);
  }
}

/** A PostgreSQL server through a connection pool; several muster processes may share it. Survives a server restart: lost connections are dropped and replaced. */
export async function openPostgresStore(url: string, poolSize = 10): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on('error', () => {}); // an idle client that lost its connection is dropped by the pool; the next statement tells
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw new MusterError('MUSTER_ERR_STORE', `cannot reach PostgreSQL at ${redact(url)}: ${(error as Error).message}`, [], { cause: error });
  }
  const availability = new Availability();
  const prepared = new PreparedStatements(PREPARED_LIMIT);
  const transaction: Begin = (fn) => inTransaction(pool, availability, prepared, fn);
  return {
    adapter: 'postgres',
    capabilities: CAPABILITIES,
    availability,
    ...queryable(pool, pool, availability, prepared, transaction),
    transaction,
    listen: (channel, listener) => listenOn(url, channel, listener),
    async ping(timeoutMs) {
      try {
        await availability.track(() => within(pool.query('SELECT 1'), timeoutMs));
      } catch (error) {
        throw storeError(error, 'SELECT 1');
      }
    },
    close: () => pool.end(),
  };
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { MusterError } from '../core/errors.ts';
import type { Database } from './database.ts';
import type { StatementRunner, Tx } from './store.ts';

/** Runs `fn` in a transaction of the store; what `Store.transaction` does. */
export type Begin = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

/**
 * Kysely over muster's own statement runner, so that a query built with Kysely goes through the
 * same connection, transaction, availability tracking, disk guard and error mapping as `query()`.
 * With `begin` (the store, not a transaction), `db.transaction()` runs in a transaction of the store.
 */
export function kyselyOver(run: StatementRunner, begin?: Begin): Kysely<Database> {
  return new Kysely<Database>({ dialect: new RunnerDialect(run, begin) });
}

class RunnerDialect implements Dialect {
  readonly #run: StatementRunner;
  readonly #begin: Begin | undefined;

  constructor(run: StatementRunner, begin: Begin | undefined) {
    this.#run = run;
    this.#begin = begin;
  }

  createAdapter = () => new PostgresAdapter();
  createDriver = (): Driver => new RunnerDriver(this.#run, this.#begin);
  createQueryCompiler = () => new PostgresQueryCompiler();
  createIntrospector = (db: Kysely<any>) => new PostgresIntrospector(db);
}

/** One Kysely connection: its statements go to the runner it was given, or, once a transaction began, to that transaction. */
class RunnerConnection implements DatabaseConnection {
  run: StatementRunner;
  /** Ends the store transaction this connection is in: commit (no argument) or roll back (an error). */
  end: ((rollback?: unknown) => void) | undefined;
  /** Settles when the store transaction has committed or rolled back. */
  done: Promise<unknown> | undefined;

  constructor(run: StatementRunner) {
    this.run = run;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { rows, affectedRows } = await this.run<R & Record<string, unknown>>(query.sql, query.parameters);
    return affectedRows === undefined ? { rows } : { rows, numAffectedRows: BigInt(affectedRows) };
  }

  // biome-ignore lint/correctness/useYield: Kysely's driver interface is a generator; the store refuses streaming outright
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new MusterError('MUSTER_ERR_STORE', 'streaming queries are not supported by the store; page with limit and a cursor');
  }
}

const ROLLBACK = Symbol('rollback');

class RunnerDriver implements Driver {
  readonly #run: StatementRunner;
  readonly #begin: Begin | undefined;

  constructor(run: StatementRunner, begin: Begin | undefined) {
    this.#run = run;
    this.#begin = begin;
  }

  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new RunnerConnection(this.#run);
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const begin = this.#begin;
    if (!begin) throw new MusterError('MUSTER_ERR_STORE', 'already in a transaction: use this transaction’s db, not db.transaction()');
    const conn = connection as RunnerConnection;
    await new Promise<void>((started, failed) => {
      conn.done = begin((tx) => {
        conn.run = tx.run;
        return new Promise((commit, rollback) => {
          conn.end = (error) => (error === undefined ? commit(undefined) : rollback(error));
          void applySettings(tx.run, settings).then(
            () => started(),
            (error: unknown) => {
              failed(error);
              rollback(error);
            },
          );
        });
      });
      conn.done.catch((error: unknown) => failed(error));
    });
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as RunnerConnection;
    conn.end?.();
    await conn.done;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as RunnerConnection;
    conn.end?.(ROLLBACK);
    await conn.done?.catch((error: unknown) => {
      if (error !== ROLLBACK) throw error;
    });
  }
}

async function applySettings(run: StatementRunner, settings: TransactionSettings): Promise<void> {
  const parts = [settings.isolationLevel && `ISOLATION LEVEL ${settings.isolationLevel.toUpperCase()}`, settings.accessMode?.toUpperCase()].filter(Boolean);
  if (parts.length > 0) await run(CompiledQuery.raw(`SET TRANSACTION ${parts.join(', ')}`).sql, []);
}

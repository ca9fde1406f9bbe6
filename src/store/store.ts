import type { Kysely } from 'kysely';
import type { Availability } from './availability.ts';
import type { CopyRows } from './copy-text.ts';
import type { Database } from './database.ts';

/**
 * The storage port. One SQL dialect (PostgreSQL) behind two adapters: embedded PGlite and a
 * PostgreSQL server. Shared code never asks which adapter it has; it reads capabilities.
 */
export interface StoreCapabilities {
  /** Many connections and possibly many muster processes (PostgreSQL). False for PGlite: one connection, one process. */
  readonly multipleConnections: boolean;
  /** Whether claims that pass over rows other sessions hold are meaningful (other sessions can hold locks). */
  readonly skipLocked: boolean;
}

export type Row = Record<string, unknown>;

/** One statement's rows and, for INSERT, UPDATE and DELETE, how many rows it touched. */
export interface StatementResult<R extends Row = Row> {
  readonly rows: R[];
  readonly affectedRows: number | undefined;
}

export type StatementRunner = <R extends Row = Row>(sql: string, params: readonly unknown[]) => Promise<StatementResult<R>>;

export interface Queryable {
  /**
   * The same connection, and in a transaction the same transaction, through Kysely: queries typed by
   * the schema (src/store/database.ts). Mixing it with `query()` in one transaction commits or rolls back as one.
   */
  readonly db: Kysely<Database>;
  /** Runs one statement; what `db` runs its queries on. */
  readonly run: StatementRunner;
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements with no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Bulk insert through COPY. Values: null, string, number, boolean, Date, or JSON-able objects; or rows already encoded (`encodeCopy`). */
  copyRows(table: string, columns: readonly string[], rows: CopyRows): Promise<void>;
}

export type Tx = Queryable;

/** Hears the notifications of a channel (`NOTIFY`, sent when a transaction commits). */
export interface ChangeListener {
  notified(payload: string): void;
  /** Whether the channel is listened to now: false when the connection was lost (notifications may be missed), true again once restored. */
  listening(live: boolean): void;
}

export type Unlisten = () => Promise<void>;

export interface Store extends Queryable {
  /** Adapter name for logs and diagnostics only. */
  readonly adapter: string;
  readonly capabilities: StoreCapabilities;
  /** Whether the store answered its last statement; tells its listeners once per change (down, back). */
  readonly availability: Availability;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Listens to a notification channel, for changes other processes make (PostgreSQL). Absent where one process holds
   * the store (PGlite): that process's own changes are all there are.
   */
  listen?(channel: string, listener: ChangeListener): Promise<Unlisten>;
  /** A cheap round trip (`SELECT 1`); rejects with MUSTER_ERR_STORE_UNAVAILABLE when no answer comes within timeoutMs. */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

import { type RawBuilder, sql } from 'kysely';
import type { Queryable, Row } from '../store/store.ts';

/**
 * A queue table's claim, as SQL fragments: the queue module runs every claim of muster (`FOR UPDATE SKIP LOCKED`, so
 * that workers in several processes share one PostgreSQL; PGlite has one session and nothing is ever skipped).
 * `due` and `order` read the table as `c`; `set` and `returning` write and read it as `q`.
 */
export interface ClaimQuery {
  readonly table: string;
  /** The primary key column. */
  readonly id: string;
  readonly due: RawBuilder<unknown>;
  readonly order: RawBuilder<unknown>;
  readonly set: RawBuilder<unknown>;
  readonly returning: RawBuilder<unknown>;
  readonly limit: number;
}

/** Claims up to `limit` due rows in one statement; the rows as claimed, in no particular order. */
export async function claimRows(db: Queryable, q: ClaimQuery): Promise<Row[]> {
  const table = sql.table(q.table);
  const id = sql.ref(q.id);
  const result = await sql<Row>`UPDATE ${table} AS q SET ${q.set}
    WHERE q.${id} IN (SELECT c.${id} FROM ${table} AS c WHERE ${q.due} ORDER BY ${q.order} LIMIT ${q.limit} FOR UPDATE SKIP LOCKED)
    RETURNING ${q.returning}`.execute(db.db);
  return result.rows;
}

/** The leased tables (`jobs`, `provisioning_ops`): status pending → running → done or dead, a lease in locked_until. */
export interface LeasedTable {
  readonly table: 'jobs' | 'provisioning_ops';
  /** Claims only rows whose key column holds this value (the target of an operation). */
  readonly key?: { readonly column: string; readonly value: string };
  /** Besides `id`: the claim order, first first. */
  readonly order: RawBuilder<unknown>;
  /** What the claim returns, the table as `q`. */
  readonly returning: RawBuilder<unknown>;
}

export interface LeaseRequest {
  readonly workerId: string;
  readonly now: Date;
  readonly leaseMs: number;
  readonly limit: number;
}

/**
 * Claims pending rows that are due, and running rows whose lease ran out (their worker died): each claim counts an
 * attempt and holds the row for `leaseMs`.
 */
export async function claimLeased(db: Queryable, t: LeasedTable, r: LeaseRequest): Promise<Row[]> {
  const until = new Date(r.now.getTime() + r.leaseMs);
  const key = t.key ? sql`c.${sql.ref(t.key.column)} = ${t.key.value} AND ` : sql``;
  return claimRows(db, {
    table: t.table,
    id: 'id',
    due: sql`${key}((c.status = 'pending' AND c.run_after <= ${r.now}) OR (c.status = 'running' AND c.locked_until < ${r.now}))`,
    order: t.order,
    set: sql`status = 'running', attempts = q.attempts + 1, locked_by = ${r.workerId}, locked_until = ${until}, updated_at = ${r.now}`,
    returning: t.returning,
    limit: r.limit,
  });
}

/** Rows to lock for the rest of the transaction: `due` reads the table as `c`. */
export interface LockQuery {
  readonly table: string;
  /** The column returned, the primary key. */
  readonly id: string;
  readonly due: RawBuilder<unknown>;
  readonly order: RawBuilder<unknown>;
  readonly limit: number;
  /** Skips rows another session holds (a sweep shared by processes); false waits for them. */
  readonly skipLocked?: boolean;
}

/** Locks up to `limit` due rows, skipping those another worker holds; their ids. */
export async function lockDueRows(db: Queryable, q: LockQuery): Promise<string[]> {
  const lock = q.skipLocked === false ? sql`FOR UPDATE` : sql`FOR UPDATE SKIP LOCKED`;
  const result = await sql<{ id: string }>`SELECT c.${sql.ref(q.id)} AS id FROM ${sql.table(q.table)} AS c WHERE ${q.due} ORDER BY ${q.order} LIMIT ${q.limit} ${lock}`.execute(db.db);
  return result.rows.map((r) => String(r.id));
}

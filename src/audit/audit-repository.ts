import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, JsonValue } from '../store/database.ts';
import type { Queryable } from '../store/store.ts';
import type { AuditEntry } from './chain.ts';

/**
 * The audit log in the store: the hash-chained entries, their signed checkpoints and the recorded
 * checkpoint public keys. Every query is built with Kysely; rows come back as the store parses them
 * (int8 as number, timestamptz as Date, json parsed), and `data` also as the exact text stored,
 * which is what an entry's hash covers.
 */

/** Advisory lock that serialises appends across every process sharing the database. */
export const AUDIT_LOCK = 7_266_002;

/** The columns of an audit_log row, in the order `entryRow` gives them (for COPY). */
const ENTRY_COLUMNS = ['seq', 'at', 'actor', 'action', 'target', 'reason', 'correlation_id', 'data', 'prev_hash', 'hash'] as const;
const CHECKPOINT_COLUMNS = ['seq', 'hash', 'key_id', 'signature', 'signed_at'] as const;

export interface CheckpointRow {
  seq: number;
  hash: string;
  key_id: string;
  signature: string;
}

/** A checkpoint to write: the entry it names and the signature over it. */
export interface NewCheckpoint {
  readonly seq: number;
  readonly hash: string;
  readonly keyId: string;
  readonly signature: string;
  readonly signedAt: Date;
}

export interface EntryFilter {
  readonly actor?: string | undefined;
  readonly action?: string | undefined;
  readonly target?: string | undefined;
  readonly correlationId?: string | undefined;
  readonly afterSeq?: number | undefined;
  readonly beforeSeq?: number | undefined;
}

export interface Link {
  seq: number;
  hash: string;
}

function entries(db: Kysely<Database>) {
  return db.selectFrom('audit_log').select(['seq', 'at', 'actor', 'action', 'target', 'reason', 'correlation_id', 'data', sql<string>`data::text`.as('data_text'), 'prev_hash', 'hash']);
}

type EntryRow = Awaited<ReturnType<ReturnType<typeof entries>['execute']>>[number];

function entryFromRow(row: EntryRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    reason: row.reason,
    correlationId: row.correlation_id,
    data: row.data as Record<string, unknown>,
    dataText: row.data_text,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Takes the audit log's lock until the transaction ends. */
export async function lockAuditLog({ db }: Queryable): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`.execute(db);
}

/**
 * The newest entry's seq and hash, if the log has any. Its limit is a literal, not a parameter: a
 * statement without parameters is sent in one simple query, which is cheaper on the append path.
 */
export function lastEntry({ db }: Queryable): Promise<Link | undefined> {
  return db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(sql.lit(1)).executeTakeFirst();
}

/** The newest entry and whether a checkpoint already names it. */
export function lastEntrySealed({ db }: Queryable): Promise<(Link & { sealed: boolean }) | undefined> {
  return db
    .selectFrom('audit_log as a')
    .select(['a.seq', 'a.hash'])
    .select((eb) =>
      eb
        .exists(eb.selectFrom('audit_checkpoints as c').select(sql`1`.as('one')).whereRef('c.seq', '=', 'a.seq'))
        .$castTo<boolean>()
        .as('sealed'),
    )
    .orderBy('a.seq', 'desc')
    .limit(sql.lit(1))
    .executeTakeFirst();
}

/** The lowest checkpoint past `seq`, if any. */
export async function firstCheckpointAfter({ db }: Queryable, seq: number): Promise<number | undefined> {
  const row = await db.selectFrom('audit_checkpoints').select('seq').where('seq', '>', seq).orderBy('seq').limit(sql.lit(1)).executeTakeFirst();
  return row?.seq;
}

/** Writes new entries in one COPY; `data` goes in as the exact text the hash covers. */
export async function insertEntries(q: Queryable, rows: readonly AuditEntry[]): Promise<void> {
  const values = rows.map((e) => [e.seq, e.at, e.actor, e.action, e.target, e.reason, e.correlationId, e.dataText, e.prevHash, e.hash]);
  await q.copyRows('audit_log', ENTRY_COLUMNS, values);
}

/** Writes signed checkpoints in one COPY. */
export async function insertCheckpoints(q: Queryable, rows: readonly NewCheckpoint[]): Promise<void> {
  if (rows.length === 0) return;
  await q.copyRows(
    'audit_checkpoints',
    CHECKPOINT_COLUMNS,
    rows.map((c) => [c.seq, c.hash, c.keyId, c.signature, c.signedAt]),
  );
}

/**
 * A write that commits with audit entries or not at all (a sign-in's models beside its entry): one data-modifying
 * statement whose rows are selected `FROM` the source it is given, so that it writes nothing when that source is empty.
 */
export type AlongsideWrite = ((from: RawBuilder<unknown>) => RawBuilder<unknown>) & {
  /**
   * The row the write upserts, named when two callers' writes could upsert the same one: one statement cannot, and
   * a group commit then sends them in separate writes rather than falling back to a transaction (group-commit.ts).
   */
  readonly row?: string;
};

/** Runs writes that go with entries, inside the transaction that appends them. */
export async function writeAlongside({ db }: Queryable, writes: readonly AlongsideWrite[]): Promise<void> {
  for (const write of writes) await write(sql`(SELECT 1) AS always`).execute(db);
}

/**
 * Appends entries, and the checkpoints due among them, in one statement outside any transaction: under the audit
 * log's lock, and only if the log still ends at `head` (its seq and hash) with no checkpoint beyond it. Returns whether
 * they were written; false when the log has moved on (another writer appended), and the caller appends the long way.
 * A writer that read the same head at once fails on the primary key of `seq`, which counts as moved on too.
 */
export async function appendAtHead(q: Queryable, head: Link, rows: readonly AuditEntry[], checkpoints: readonly NewCheckpoint[], alongside: readonly AlongsideWrite[] = []): Promise<boolean> {
  const entryValues = sql.join(
    rows.map(
      (e) =>
        sql`(${e.seq}::bigint, ${e.at}::timestamptz, ${e.actor}::text, ${e.action}::text, ${e.target}::text, ${e.reason}::text, ${e.correlationId}::text, ${e.dataText}::json, ${e.prevHash}::text, ${e.hash}::text)`,
    ),
  );
  const checkpointRows =
    checkpoints.length === 0
      ? sql``
      : sql`, sealed AS (
      INSERT INTO audit_checkpoints (seq, hash, key_id, signature, signed_at)
      SELECT v.* FROM (VALUES ${sql.join(checkpoints.map((c) => sql`(${c.seq}::bigint, ${c.hash}::text, ${c.keyId}::text, ${c.signature}::text, ${c.signedAt}::timestamptz)`))}) AS v, at_head
      RETURNING seq)`;
  const writes = sql.join(
    alongside.map((write, i) => sql`, ${sql.raw(`alongside_${i}`)} AS (${write(sql`at_head`)})`),
    sql``,
  );
  try {
    const { rows: result } = await sql<{ written: number }>`
      WITH locked AS (SELECT pg_advisory_xact_lock(${sql.lit(AUDIT_LOCK)}) IS NULL AS none),
      at_head AS (
        SELECT 1 AS one FROM locked WHERE ${stillAtHead(head)}),
      appended AS (
        INSERT INTO audit_log (seq, at, actor, action, target, reason, correlation_id, data, prev_hash, hash)
        SELECT v.* FROM (VALUES ${entryValues}) AS v, at_head
        RETURNING seq)${checkpointRows}${writes}
      SELECT count(*)::int AS written FROM appended`.execute(q.db);
    return (result[0]?.written ?? 0) === rows.length;
  } catch (error) {
    if (MOVED_ON.has(sqlStateOf(error) ?? '')) return false;
    throw error;
  }
}

/**
 * Whether the log still ends at `head` with no checkpoint beyond it. The ends are read as `max(seq)`, one step down
 * each primary key whatever the plan: the statement is prepared, and the generic plan of `NOT EXISTS (… WHERE seq > $1)`
 * read the whole log, expecting a later entry within a few rows.
 */
export function stillAtHead(head: Link): RawBuilder<unknown> {
  return sql`(${head.seq}::bigint = 0 OR (SELECT hash FROM audit_log WHERE seq = ${head.seq}::bigint) = ${head.hash}::text)
    AND COALESCE((SELECT max(seq) FROM audit_log), 0) <= ${head.seq}::bigint
    AND COALESCE((SELECT max(seq) FROM audit_checkpoints), 0) <= ${head.seq}::bigint`;
}

/**
 * A unique violation: another writer appended at the same head. A cardinality violation: two writes beside the
 * entries upsert the same row (two requests of one batch on one interaction); alone, in a transaction, they do not.
 */
const MOVED_ON = new Set(['23505', '21000']);

function sqlStateOf(error: unknown): string | undefined {
  const e = error as { pgCode?: string; code?: string; cause?: { code?: string } } | null;
  return e?.pgCode ?? e?.cause?.code ?? e?.code;
}

/** Keyset page: entries with afterSeq < seq <= toSeq, oldest first. Memory stays flat however long the log is. */
export async function entriesAfter({ db }: Queryable, afterSeq: number, limit: number, toSeq = Number.MAX_SAFE_INTEGER): Promise<AuditEntry[]> {
  const rows = await entries(db).where('seq', '>', afterSeq).where('seq', '<=', toSeq).orderBy('seq').limit(limit).execute();
  return rows.map(entryFromRow);
}

/** Every entry in [fromSeq, toSeq], oldest first, read in batches. */
export async function* iterateEntries(q: Queryable, fromSeq: number, toSeq: number, batchSize: number): AsyncGenerator<AuditEntry> {
  let after = fromSeq - 1;
  for (;;) {
    const batch = await entriesAfter(q, after, batchSize, toSeq);
    yield* batch;
    const last = batch.at(-1);
    if (last === undefined || batch.length < batchSize) return;
    after = last.seq;
  }
}

/** Entries matching every given filter, newest first. */
export async function findEntries({ db }: Queryable, filter: EntryFilter, limit: number): Promise<AuditEntry[]> {
  let query = entries(db);
  if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  if (filter.target !== undefined) query = query.where('target', '=', filter.target);
  if (filter.correlationId !== undefined) query = query.where('correlation_id', '=', filter.correlationId);
  if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq);
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  const rows = await query.orderBy('seq', 'desc').limit(limit).execute();
  return rows.map(entryFromRow);
}

/** Checkpoints with afterSeq < seq <= toSeq, oldest first. */
export function checkpointsBetween({ db }: Queryable, afterSeq: number, toSeq: number, limit: number): Promise<CheckpointRow[]> {
  return db.selectFrom('audit_checkpoints').select(['seq', 'hash', 'key_id', 'signature']).where('seq', '>', afterSeq).where('seq', '<=', toSeq).orderBy('seq').limit(limit).execute();
}

/** How many rows the log holds up to `lastSeq` (a repeated seq counts twice). */
export async function countEntriesUpTo({ db }: Queryable, lastSeq: number): Promise<number> {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('seq', '<=', lastSeq)
    .executeTakeFirst();
  return row?.n ?? 0;
}

/** The lowest seq up to `lastSeq` held by more than one row (possible only if the primary key was dropped). */
export async function firstDuplicateUpTo({ db }: Queryable, lastSeq: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('audit_log')
    .select('seq')
    .where('seq', '<=', lastSeq)
    .groupBy('seq')
    .having((eb) => eb(eb.fn.countAll(), '>', sql.lit(1)))
    .orderBy('seq')
    .limit(sql.lit(1))
    .executeTakeFirst();
  return row?.seq;
}

/**
 * Merges `{ keyId: publicPem }` into the settings entry `key` (never replacing or removing a key) and
 * returns the whole entry, or undefined when the entry is there but not a JSON object.
 */
export async function mergePublicKey({ db }: Queryable, key: string, keyId: string, publicPem: string): Promise<JsonValue | undefined> {
  const row = await db
    .insertInto('settings')
    .values({ key, value: sql`jsonb_build_object(${keyId}::text, ${publicPem}::text)` })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql`EXCLUDED.value || settings.value` }).where(sql`jsonb_typeof(settings.value)`, '=', 'object'))
    .returning('value')
    .executeTakeFirst();
  return row?.value;
}

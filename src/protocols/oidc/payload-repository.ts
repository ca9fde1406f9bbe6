import { type RawBuilder, sql } from 'kysely';
import type { AlongsideWrite } from '../../audit/audit-repository.ts';
import type { Queryable } from '../../store/store.ts';
import type { AdapterPayload } from 'oidc-provider';
import type { HeldWrite, HeldWrites } from './held-writes.ts';
import { sessionSubjectColumn } from './sign-in-subject.ts';

/**
 * Held writes (held-writes.ts) as data-modifying statements on `oidc_payloads` that go beside audit entries: their
 * rows come from the source the audit log's writer gives, so they are written exactly when the entries are. At most
 * one write per row is held, so the statements never touch one row twice. The columns are the adapter's (adapter.ts).
 */
export function heldAlongside(held: HeldWrites): AlongsideWrite[] {
  const { rows, others } = held.take();
  const upserts = rows.filter((r) => r.kind === 'upsert');
  const destroys = rows.filter((r) => r.kind === 'destroy');
  return [...(upserts.length > 0 ? [upsertAlongside(upserts)] : []), ...(destroys.length > 0 ? [destroyAlongside(destroys)] : []), ...others];
}

/** Sends what is held in one statement of its own (a request that writes no audit entry). */
export function writeHeld(db: Queryable, held: HeldWrites): Promise<void> {
  return writeTogether(db, heldAlongside(held));
}

/** Writes that go beside audit entries, sent in one statement without them. */
export async function writeTogether({ db }: Queryable, writes: readonly AlongsideWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const parts = sql.join(
    writes.map((write, i) => sql`${sql.raw(`held_${i}`)} AS (${write(sql`(SELECT 1) AS always`)})`),
    sql`, `,
  );
  await sql`WITH ${parts} SELECT 1`.execute(db);
}

type Upsert = Extract<HeldWrite, { kind: 'upsert' }>;

function upsertAlongside(rows: readonly Upsert[]): AlongsideWrite {
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${r.model}::text, ${r.id}::text, ${JSON.stringify(r.payload)}::jsonb, ${r.payload.grantId ?? null}::text, ${r.payload.userCode ?? null}::text, ${r.payload.uid ?? null}::text, ${r.payload.accountId ?? null}::text, ${r.expires}::timestamptz)`,
    ),
  );
  return (from) => sql`INSERT INTO oidc_payloads (model, id, payload, grant_id, user_code, uid, account_id, expires_at, consumed_at)
    SELECT v.model, v.id, v.payload, v.grant_id, v.user_code, v.uid, v.account_id, v.expires_at, NULL
    FROM (VALUES ${values}) AS v (model, id, payload, grant_id, user_code, uid, account_id, expires_at), ${from}
    ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code,
      uid = EXCLUDED.uid, account_id = EXCLUDED.account_id, expires_at = EXCLUDED.expires_at
    RETURNING 1`;
}

function keys(rows: readonly HeldWrite[]): RawBuilder<unknown> {
  return sql.join(rows.map((r) => sql`(${r.model}::text, ${r.id}::text)`));
}

function destroyAlongside(rows: readonly HeldWrite[]): AlongsideWrite {
  return (from) => sql`DELETE FROM oidc_payloads WHERE (model, id) IN (SELECT v.model, v.id FROM (VALUES ${keys(rows)}) AS v (model, id), ${from}) RETURNING 1`;
}

/** A model row read by `findWithLinks`: the row asked for, the grant and session it names, and its session's live subject. */
export interface LinkedRow {
  readonly model: string;
  readonly id: string;
  readonly uid: string | null;
  readonly payload: AdapterPayload;
  readonly consumed_at: Date | string | null;
  /** On the row asked for: `sessionSubjectColumn` of its session and client (NULL when it names none). */
  readonly subject: unknown;
}

/**
 * A row by id if live, with the grant it names (a token's `grantId`, a finished interaction's consent), the session it
 * names (`sessionUid`), each if live, and the live subject of that session (sign-in-subject.ts): one statement where a
 * token request would send four.
 */
export async function findWithLinks({ db }: Queryable, model: string, id: string, at: Date): Promise<LinkedRow[]> {
  const { rows } = await withLinks(model, id, at).execute(db);
  return rows;
}

/**
 * The statement of `findWithLinks`. The grant and the session are found by keys read from the row in scalar
 * subqueries, so that each is one probe of an index whatever the plan: as joins, the plan kept for the prepared
 * statement (made while the table was small, and never remade on PGlite, which runs no ANALYZE) read every grant and
 * every session and compared their keys.
 */
export function withLinks(model: string, id: string, at: Date): RawBuilder<LinkedRow> {
  const live = (alias: string) => sql`(${sql.ref(`${alias}.expires_at`)} IS NULL OR ${sql.ref(`${alias}.expires_at`)} > ${at}::timestamptz)`;
  const subject = sessionSubjectColumn(sql`f.payload ->> 'sessionUid'`, sql`f.payload ->> 'clientId'`);
  return sql<LinkedRow>`WITH f AS (
      SELECT p.model, p.id, p.uid, p.payload, p.consumed_at FROM oidc_payloads p WHERE p.model = ${model} AND p.id = ${id} AND ${live('p')})
    SELECT f.model, f.id, f.uid, f.payload, f.consumed_at, ${subject} AS subject FROM f
    UNION ALL
    SELECT g.model, g.id, g.uid, g.payload, g.consumed_at, NULL FROM oidc_payloads g
      WHERE g.model = 'Grant' AND g.id = (SELECT COALESCE(f.payload ->> 'grantId', f.payload #>> '{result,consent,grantId}') FROM f) AND ${live('g')}
    UNION ALL
    SELECT s.model, s.id, s.uid, s.payload, s.consumed_at, NULL FROM oidc_payloads s
      WHERE s.model = 'Session' AND s.uid = (SELECT f.payload ->> 'sessionUid' FROM f) AND ${live('s')}`;
}

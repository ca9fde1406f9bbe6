import type { Queryable } from '../store/store.ts';

/** Console sessions in the store, found by the SHA-256 hash of the browser's secret; never the secret. Every query is built with Kysely. */

export interface ConsoleSessionRow {
  id: string;
  identity_id: string | null;
  sign_in: unknown;
  auth_time: Date | null;
  acr: string | null;
  id_token: string | null;
  created_at: Date;
  last_seen_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
  /** `operator`: the pages of the roles held; `self`: only the cardholder's own pages. */
  kind: ConsoleSessionKind;
}

export type ConsoleSessionKind = 'operator' | 'self';

/** A session row with the status of its operator (null for a pending sign-in). */
export interface PresentedSessionRow extends ConsoleSessionRow {
  identity_status: string | null;
}

export interface NewConsoleSession {
  readonly id: string;
  readonly secretHash: string;
  readonly identityId: string | null;
  readonly signIn: unknown;
  readonly authTime: Date | null;
  readonly acr: string | null;
  readonly idToken: string | null;
  readonly kind?: ConsoleSessionKind;
  readonly at: Date;
}

const COLUMNS = [
  'console_sessions.id',
  'console_sessions.identity_id',
  'console_sessions.sign_in',
  'console_sessions.auth_time',
  'console_sessions.acr',
  'console_sessions.id_token',
  'console_sessions.created_at',
  'console_sessions.last_seen_at',
  'console_sessions.ended_at',
  'console_sessions.end_reason',
  'console_sessions.kind',
] as const;

export async function insertSession({ db }: Queryable, session: NewConsoleSession): Promise<void> {
  await db
    .insertInto('console_sessions')
    .values({
      id: session.id,
      secret_hash: session.secretHash,
      identity_id: session.identityId,
      sign_in: session.signIn === null ? null : JSON.stringify(session.signIn),
      auth_time: session.authTime,
      acr: session.acr,
      id_token: session.idToken,
      created_at: session.at,
      last_seen_at: session.at,
      kind: session.kind ?? 'operator',
    })
    .execute();
}

export function sessionBySecretHash({ db }: Queryable, secretHash: string): Promise<PresentedSessionRow | undefined> {
  return db
    .selectFrom('console_sessions')
    .leftJoin('identities', 'identities.id', 'console_sessions.identity_id')
    .select([...COLUMNS, 'identities.status as identity_status'])
    .where('console_sessions.secret_hash', '=', secretHash)
    .executeTakeFirst() as Promise<PresentedSessionRow | undefined>;
}

/** Records activity at `at`. */
export async function markSeen({ db }: Queryable, id: string, at: Date): Promise<void> {
  await db.updateTable('console_sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
}

/** Ends the session unless it already ended; true when this call ended it. */
export async function markEnded({ db }: Queryable, id: string, at: Date, reason: string): Promise<boolean> {
  const result = await db.updateTable('console_sessions').set({ ended_at: at, end_reason: reason }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Ends every live session of the identity; returns the ids ended. */
export async function markEndedForIdentity({ db }: Queryable, identityId: string, at: Date, reason: string): Promise<string[]> {
  const rows = await db.updateTable('console_sessions').set({ ended_at: at, end_reason: reason }).where('identity_id', '=', identityId).where('ended_at', 'is', null).returning('id').execute();
  return rows.map((r) => r.id).sort();
}

/** Deletes sign-ins (rows without an identity) started before `startedBefore`, and sessions ended before `endedBefore`. */
export async function purgeSessions({ db }: Queryable, cutoffs: { endedBefore: Date; startedBefore: Date }): Promise<number> {
  const result = await db
    .deleteFrom('console_sessions')
    .where((eb) =>
      eb.or([eb.and([eb('identity_id', 'is not', null), eb('ended_at', '<', cutoffs.endedBefore)]), eb.and([eb('identity_id', 'is', null), eb('created_at', '<', cutoffs.startedBefore)])]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

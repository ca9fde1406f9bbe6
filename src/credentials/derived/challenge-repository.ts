import { sql } from 'kysely';
import type { Tx } from '../../store/store.ts';

/** The binding challenges of Derived PIV ceremonies; every query is built with Kysely. */

/** A row of `binding_challenges`, uuids as text. */
export type ChallengeRow = { id: string; identity_id: string; challenge: string; expires_at: Date; used_at: Date | null };

export async function insertChallenge({ db }: Tx, row: Omit<ChallengeRow, 'used_at'>, now: Date): Promise<void> {
  await db.insertInto('binding_challenges').values({ id: row.id, identity_id: row.identity_id, challenge: row.challenge, created_at: now, expires_at: row.expires_at }).execute();
}

/** Locks and reads a challenge, or undefined. */
export async function lockChallenge({ db }: Tx, id: string): Promise<ChallengeRow | undefined> {
  return db
    .selectFrom('binding_challenges')
    .select([sql<string>`id::text`.as('id'), sql<string>`identity_id::text`.as('identity_id'), 'challenge', 'expires_at', 'used_at'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function markChallengeUsed({ db }: Tx, id: string, now: Date): Promise<void> {
  await db.updateTable('binding_challenges').set({ used_at: now }).where('id', '=', id).execute();
}

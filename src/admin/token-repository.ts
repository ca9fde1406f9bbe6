import type { Kysely } from 'kysely';
import type { Database } from '../store/database.ts';
import type { Queryable } from '../store/store.ts';

/** Admin API tokens in the store, by the SHA-256 hash of the secret; never the secret. Every query is built with Kysely. */

/** A token as muster reads it: never its hash. */
export interface TokenRow {
  id: string;
  name: string;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface NewToken {
  readonly id: string;
  readonly name: string;
  readonly tokenHash: string;
  readonly createdAt: Date;
}

function tokens(db: Kysely<Database>) {
  return db.selectFrom('api_tokens').select(['id', 'name', 'created_at', 'revoked_at', 'last_used_at']);
}

export async function insertToken({ db }: Queryable, token: NewToken): Promise<void> {
  await db.insertInto('api_tokens').values({ id: token.id, name: token.name, token_hash: token.tokenHash, created_at: token.createdAt }).execute();
}

export function tokenByHash({ db }: Queryable, tokenHash: string): Promise<TokenRow | undefined> {
  return tokens(db).where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** The token, locked until the transaction ends. */
export function lockToken({ db }: Queryable, id: string): Promise<TokenRow | undefined> {
  return tokens(db).where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function markRevoked({ db }: Queryable, id: string, at: Date): Promise<void> {
  await db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).execute();
}

/** Records use at `at`, unless another request recorded a use after `staleBefore`. */
export async function markUsed({ db }: Queryable, id: string, at: Date, staleBefore: Date): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', staleBefore)]))
    .execute();
}

/** Every token, oldest first. */
export function allTokens({ db }: Queryable): Promise<TokenRow[]> {
  return tokens(db).orderBy('created_at').orderBy('id').execute();
}

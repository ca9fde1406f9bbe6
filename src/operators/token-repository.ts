import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/database.ts';
import type { Queryable } from '../store/store.ts';

/** Operator API tokens in the store, by the SHA-256 hash of the secret; never the secret. Every query is built with Kysely. */

/** A token as muster reads it: never its hash. */
export interface TokenRow {
  id: string;
  name: string;
  identity_id: string | null;
  roles: unknown;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** A token with the status of its operator, for authentication. */
export interface PresentedTokenRow extends TokenRow {
  identity_status: string | null;
}

export interface NewToken {
  readonly id: string;
  readonly name: string;
  readonly identityId: string;
  readonly roles: readonly string[];
  readonly tokenHash: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

const COLUMNS = [
  'api_tokens.id',
  'api_tokens.name',
  'api_tokens.identity_id',
  'api_tokens.roles',
  'api_tokens.created_at',
  'api_tokens.expires_at',
  'api_tokens.revoked_at',
  'api_tokens.last_used_at',
] as const;

function tokens(db: Kysely<Database>) {
  return db.selectFrom('api_tokens').select(COLUMNS);
}

export async function insertToken({ db }: Queryable, token: NewToken): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({
      id: token.id,
      name: token.name,
      identity_id: token.identityId,
      roles: JSON.stringify(token.roles),
      token_hash: token.tokenHash,
      created_at: token.createdAt,
      expires_at: token.expiresAt,
    })
    .execute();
}

export function tokenByHash({ db }: Queryable, tokenHash: string): Promise<PresentedTokenRow | undefined> {
  return db
    .selectFrom('api_tokens')
    .leftJoin('identities', 'identities.id', 'api_tokens.identity_id')
    .select([...COLUMNS, 'identities.status as identity_status'])
    .where('api_tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** The token, locked until the transaction ends. */
export function lockToken({ db }: Queryable, id: string): Promise<TokenRow | undefined> {
  return tokens(db).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** The operator's tokens not yet revoked, locked until the transaction ends. */
export function lockLiveTokensOf({ db }: Queryable, identityId: string): Promise<TokenRow[]> {
  return tokens(db).where('identity_id', '=', identityId).where('revoked_at', 'is', null).orderBy('id').forUpdate().execute();
}

/** Of these identities, those holding a live token (one query for a batch of leavers). */
export async function identitiesWithLiveTokens({ db }: Queryable, identityIds: readonly string[]): Promise<Set<string>> {
  if (identityIds.length === 0) return new Set();
  const rows = await db.selectFrom('api_tokens').select('identity_id').distinct().where(sql<boolean>`identity_id = ANY(${identityIds}::uuid[])`).where('revoked_at', 'is', null).execute();
  return new Set(rows.flatMap((r) => (r.identity_id === null ? [] : [r.identity_id])));
}

export async function markRevoked({ db }: Queryable, ids: readonly string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('api_tokens').set({ revoked_at: at }).where('id', 'in', ids).execute();
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

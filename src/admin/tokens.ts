import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { UUID_PATTERN } from '../core/ids.ts';
import { type TokenRow, allTokens, insertToken, lockToken, markRevoked, markUsed, tokenByHash } from './token-repository.ts';

/**
 * Admin API tokens. A token is `mst_` + 32 random bytes (base64url); only its SHA-256 hash is
 * stored, so a token is shown once, at creation, and a database dump cannot be replayed.
 */
export const TOKEN_PREFIX = 'mst_';
const TOKEN_PATTERN = /^mst_[A-Za-z0-9_-]{43}$/;
const TOUCH_INTERVAL_MS = 60_000;
const MAX_NAME_LENGTH = 128;

export interface CreatedToken {
  readonly id: string;
  readonly name: string;
  /** The secret; shown once and never stored. */
  readonly token: string;
}

export interface TokenPrincipal {
  readonly id: string;
  readonly name: string;
}

export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

/** Why a presented token was refused; goes into the `auth.refused` audit entry. */
export type TokenRefusal = 'malformed' | 'unknown' | 'revoked';

export type TokenCheck =
  | { readonly ok: true; readonly principal: TokenPrincipal }
  | { readonly ok: false; readonly reason: TokenRefusal; /** Set for a revoked token. */ readonly tokenId?: string };

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createToken(store: Store, audit: AuditWriter, clock: Clock, name: string, actor: string, correlationId: string = randomUUID()): Promise<CreatedToken> {
  const cleanName = checkName(name);
  const id = randomUUID();
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  await store.transaction(async (tx) => {
    await insertToken(tx, { id, name: cleanName, tokenHash: hashToken(token), createdAt: clock.now() });
    await audit.append(tx, [{ actor, action: 'token.created', target: `token:${id}`, data: { name: cleanName } }], correlationId);
  });
  return { id, name: cleanName, token };
}

/** Looks a presented token up by its hash; tells why it is refused. Marks use at most once a minute. */
export async function checkToken(store: Store, clock: Clock, presented: string): Promise<TokenCheck> {
  if (!TOKEN_PATTERN.test(presented)) return { ok: false, reason: 'malformed' };
  const row = await tokenByHash(store, hashToken(presented));
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revoked_at) return { ok: false, reason: 'revoked', tokenId: row.id };
  await touch(store, clock, row);
  return { ok: true, principal: { id: row.id, name: row.name } };
}

export async function authenticate(store: Store, clock: Clock, presented: string): Promise<TokenPrincipal | null> {
  const result = await checkToken(store, clock, presented);
  return result.ok ? result.principal : null;
}

/** Revokes a token. Revoking an already revoked token changes nothing and records nothing. */
export async function revokeToken(store: Store, audit: AuditWriter, clock: Clock, id: string, actor: string, correlationId: string = randomUUID()): Promise<TokenInfo> {
  checkId(id);
  return store.transaction(async (tx) => {
    const row = await lockToken(tx, id);
    if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no API token with id ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
    if (row.revoked_at) return tokenInfo(row);
    const now = clock.now();
    await markRevoked(tx, id, now);
    await audit.append(tx, [{ actor, action: 'token.revoked', target: `token:${id}`, data: { name: row.name } }], correlationId);
    return tokenInfo({ ...row, revoked_at: now });
  });
}

/** Every token, oldest first; never the hashes. */
export async function listTokens(store: Store): Promise<TokenInfo[]> {
  return (await allTokens(store)).map(tokenInfo);
}

async function touch(store: Store, clock: Clock, row: TokenRow): Promise<void> {
  const now = clock.now();
  if (row.last_used_at && now.getTime() - row.last_used_at.getTime() < TOUCH_INTERVAL_MS) return;
  const staleBefore = new Date(now.getTime() - TOUCH_INTERVAL_MS);
  await markUsed(store, row.id, now, staleBefore);
}

function tokenInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

function checkName(name: string): string {
  const clean = name.trim();
  if (clean.length === 0 || clean.length > MAX_NAME_LENGTH || /[\p{Cc}]/u.test(clean)) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `a token name must be 1 to ${MAX_NAME_LENGTH} printable characters`, [{ field: 'name', message: 'empty, too long or has control characters' }]);
  }
  return clean;
}

function checkId(id: string): void {
  if (!UUID_PATTERN.test(id)) throw new MusterError('MUSTER_ERR_VALIDATION', `not a token id: ${id}`, [{ field: 'id', value: id, message: 'must be a UUID' }]);
}

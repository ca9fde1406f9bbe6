import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import { GRANTING_ROLE } from '../core/operators/roles.ts';
import type { Store, Tx } from '../store/store.ts';
import { UUID_PATTERN } from '../core/ids.ts';
import { type OperatorPrincipal, operatorActor, requireAnyRole } from './principal.ts';
import { heldRoles, lockIdentity } from './role-repository.ts';
import { type TokenRow, allTokens, insertToken, lockLiveTokensOf, lockToken, markRevoked, markUsed, tokenByHash } from './token-repository.ts';
import { type TokenSettings, checkIdentityId, checkName, checkRoles, expiryOf } from './token-request.ts';

/**
 * Operator API tokens. A token is `mst_` + 32 random bytes (base64url); only its SHA-256 hash is
 * stored, so a token is shown once, at creation, and a database dump cannot be replayed. Each token
 * belongs to one operator, carries a subset of its roles and expires.
 */
export const TOKEN_PREFIX = 'mst_';
const TOKEN_PATTERN = /^mst_[A-Za-z0-9_-]{43}$/;
const TOUCH_INTERVAL_MS = 60_000;

export interface OperatorDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  readonly tokens: TokenSettings;
}

export interface CreatedToken {
  readonly id: string;
  readonly name: string;
  readonly identityId: string;
  readonly roles: readonly string[];
  readonly expiresAt: string;
  /** The secret; shown once and never stored. */
  readonly token: string;
}

export interface TokenRequest {
  /** The operator the token is for. */
  readonly identityId: string;
  readonly roles: readonly string[];
  /** `30d`; the default from `admin.tokens.defaultDays` when unset. */
  readonly expires?: string | undefined;
  readonly name?: string | undefined;
}

export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly identityId: string | null;
  readonly roles: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

/** Why a presented token was refused; goes into the `auth.refused` audit entry. */
export type TokenRefusal = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'inactive';

export type TokenCheck =
  | { readonly ok: true; readonly principal: OperatorPrincipal }
  | { readonly ok: false; readonly reason: TokenRefusal /** Set when the token is known. */; readonly tokenId?: string };

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Issues a token to an operator: asked by an operator-admin; the operator must be active and hold every role. */
export async function createToken(deps: OperatorDeps, by: OperatorPrincipal, request: TokenRequest, correlationId: string = randomUUID()): Promise<CreatedToken> {
  requireAnyRole(by, [GRANTING_ROLE], 'issuing a token');
  return deps.store.transaction((tx) => issueToken(tx, deps, request, by.actor, correlationId));
}

/** Issues a token inside `tx`, audited as `actor`; the checks of `createToken` but not who asks. */
export async function issueToken(tx: Tx, deps: OperatorDeps, request: TokenRequest, actor: string, correlationId: string): Promise<CreatedToken> {
  const identityId = checkIdentityId(request.identityId, 'for');
  const roles = checkRoles(request.roles);
  const now = deps.clock.now();
  const expiresAt = expiryOf(request.expires, deps.tokens, now);
  const name = checkName(request.name ?? roles.join(','));
  await requireActiveHolder(tx, identityId, roles);
  const id = randomUUID();
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  await insertToken(tx, { id, name, identityId, roles, tokenHash: hashToken(token), createdAt: now, expiresAt });
  const data = { name, identity_id: identityId, roles, expires_at: expiresAt.toISOString() };
  await deps.audit.append(tx, [{ actor, action: 'token.created', target: `token:${id}`, data }], correlationId);
  return { id, name, identityId, roles, expiresAt: expiresAt.toISOString(), token };
}

async function requireActiveHolder(tx: Tx, identityId: string, roles: readonly string[]): Promise<void> {
  const identity = await lockIdentity(tx, identityId);
  if (!identity) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no identity ${identityId}`, [{ field: 'for', value: identityId, message: 'not found' }]);
  if (identity.status !== 'active')
    throw new MusterError('MUSTER_ERR_CONFLICT', `identity ${identityId} is ${identity.status}: only an active operator gets a token`, [
      { field: 'for', value: identityId, message: `status ${identity.status}` },
    ]);
  const held = await heldRoles(tx, identityId);
  const missing = roles.filter((role) => !held.includes(role));
  if (missing.length > 0) {
    throw new MusterError(
      'MUSTER_ERR_VALIDATION',
      `identity ${identityId} does not hold the role ${missing.join(', ')} (it holds: ${held.join(', ') || 'none'})`,
      missing.map((value) => ({ field: 'roles', value, message: 'not held by the operator' })),
    );
  }
}

/** Looks a presented token up by its hash; tells why it is refused. Marks use at most once a minute. */
export async function checkToken(store: Store, clock: Clock, presented: string): Promise<TokenCheck> {
  if (!TOKEN_PATTERN.test(presented)) return { ok: false, reason: 'malformed' };
  const row = await tokenByHash(store, hashToken(presented));
  if (!row) return { ok: false, reason: 'unknown' };
  const now = clock.now();
  if (row.revoked_at || row.identity_id === null) return { ok: false, reason: 'revoked', tokenId: row.id };
  if (row.expires_at && row.expires_at <= now) return { ok: false, reason: 'expired', tokenId: row.id };
  if (row.identity_status !== 'active') return { ok: false, reason: 'inactive', tokenId: row.id };
  const held = await heldRoles(store, row.identity_id);
  await touch(store, now, row);
  const roles = rolesOf(row).filter((role) => held.includes(role));
  return { ok: true, principal: { tokenId: row.id, tokenName: row.name, identityId: row.identity_id, roles, actor: operatorActor(row.identity_id) } };
}

export async function authenticate(store: Store, clock: Clock, presented: string): Promise<OperatorPrincipal | null> {
  const result = await checkToken(store, clock, presented);
  return result.ok ? result.principal : null;
}

/**
 * Revokes a token: asked by an operator-admin, a security officer, or the token's own operator.
 * Revoking an already revoked token changes nothing and records nothing.
 */
export async function revokeToken(deps: OperatorDeps, by: OperatorPrincipal, id: string, correlationId: string = randomUUID()): Promise<TokenInfo> {
  checkTokenId(id);
  return deps.store.transaction(async (tx) => {
    const row = await lockToken(tx, id);
    if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no API token with id ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
    if (row.identity_id !== by.identityId) requireAnyRole(by, [GRANTING_ROLE, 'security-officer'], 'revoking the token of another operator');
    if (row.revoked_at) return tokenInfo(row);
    const now = deps.clock.now();
    await markRevoked(tx, [id], now);
    await deps.audit.append(tx, [{ actor: by.actor, action: 'token.revoked', target: `token:${id}`, data: { name: row.name, identity_id: row.identity_id } }], correlationId);
    return tokenInfo({ ...row, revoked_at: now });
  });
}

/** Revokes every live token of an operator inside `tx` (a leaver, hold or suspension); one audit entry each. */
export async function revokeTokensOf(tx: Tx, audit: AuditWriter, identityId: string, why: { actor: string; reason: string; at: Date }, correlationId: string): Promise<number> {
  const live = await lockLiveTokensOf(tx, identityId);
  await markRevoked(
    tx,
    live.map((t) => t.id),
    why.at,
  );
  const drafts = live.map((t) => ({ actor: why.actor, action: 'token.revoked', target: `token:${t.id}`, reason: why.reason, data: { name: t.name, identity_id: identityId } }));
  await audit.append(tx, drafts, correlationId);
  return live.length;
}

/** Every token, oldest first; never the hashes. */
export async function listTokens(store: Store): Promise<TokenInfo[]> {
  return (await allTokens(store)).map(tokenInfo);
}

async function touch(store: Store, now: Date, row: TokenRow): Promise<void> {
  if (row.last_used_at && now.getTime() - row.last_used_at.getTime() < TOUCH_INTERVAL_MS) return;
  const staleBefore = new Date(now.getTime() - TOUCH_INTERVAL_MS);
  await markUsed(store, row.id, now, staleBefore);
}

function rolesOf(row: TokenRow): string[] {
  return Array.isArray(row.roles) ? row.roles.filter((r): r is string => typeof r === 'string') : [];
}

function tokenInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    identityId: row.identity_id,
    roles: rolesOf(row),
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

function checkTokenId(id: string): void {
  if (!UUID_PATTERN.test(id)) throw new MusterError('MUSTER_ERR_VALIDATION', `not a token id: ${id}`, [{ field: 'id', value: id, message: 'must be a UUID' }]);
}

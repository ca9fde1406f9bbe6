import { recordAudit } from '../audit/queries.ts';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/store.ts';
import { type TokenPrincipal, checkToken } from './tokens.ts';

/** Where a request came from, for the audit entry of a refusal. Never the token. */
export interface RequestOrigin {
  readonly remoteAddress: string | null;
  readonly method: string;
  readonly path: string;
}

export interface AuthDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
}

export type AuthOutcome = { readonly ok: true; readonly principal: TokenPrincipal } | { readonly ok: false; readonly reason: string };

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

const REASONS = {
  malformed: 'malformed token',
  unknown: 'unknown token',
  revoked: 'revoked token',
} as const;

/** Checks an `Authorization: Bearer` header; every refusal is audited as `auth.refused` with its reason and origin. */
export async function authenticateBearer(deps: AuthDeps, authorization: string | undefined, origin: RequestOrigin, correlationId: string): Promise<AuthOutcome> {
  if (authorization === undefined || authorization.trim() === '') return refuse(deps, 'missing Authorization header', origin, correlationId);
  const match = BEARER.exec(authorization);
  if (!match?.[1]) return refuse(deps, 'Authorization is not a Bearer token', origin, correlationId);
  const check = await checkToken(deps.store, deps.clock, match[1]);
  if (check.ok) return check;
  return refuse(deps, REASONS[check.reason], origin, correlationId, check.tokenId);
}

async function refuse(deps: AuthDeps, reason: string, origin: RequestOrigin, correlationId: string, tokenId?: string): Promise<AuthOutcome> {
  const draft = {
    actor: 'anonymous',
    action: 'auth.refused',
    target: tokenId === undefined ? null : `token:${tokenId}`,
    reason,
    data: { remoteAddress: origin.remoteAddress, method: origin.method, path: origin.path },
  };
  await recordAudit(deps.store, deps.audit, draft, correlationId);
  return { ok: false, reason };
}

import { recordAudit } from '../audit/queries.ts';
import { RefusalBudget } from '../audit/refusal-budget.ts';
import type { AuditDraft } from '../audit/chain.ts';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import type { OperatorPrincipal } from './principal.ts';
import { checkToken } from './tokens.ts';

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

export type AuthOutcome = { readonly ok: true; readonly principal: OperatorPrincipal } | { readonly ok: false; readonly reason: string };

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

const REASONS = {
  malformed: 'malformed token',
  unknown: 'unknown token',
  revoked: 'revoked token',
  expired: 'expired',
  inactive: 'the operator is not active',
} as const;

/** How many refusals a minute each caller (address, or token) gets audited; the rest are counted. */
export const REFUSALS_AUDITED_PER_MINUTE = 20;

/**
 * Authenticates operators' bearer tokens and audits refusals: `auth.refused` (no usable token) and
 * `auth.forbidden` (a token without the role a route needs), each in bounded volume per caller.
 */
export class OperatorAuthentication {
  readonly #deps: AuthDeps;
  readonly #budget: RefusalBudget;

  constructor(deps: AuthDeps) {
    this.#deps = deps;
    this.#budget = new RefusalBudget(REFUSALS_AUDITED_PER_MINUTE, deps.clock);
  }

  /** Checks an `Authorization: Bearer` header; every refusal is audited as `auth.refused` with its reason and origin. */
  async bearer(authorization: string | undefined, origin: RequestOrigin, correlationId: string): Promise<AuthOutcome> {
    if (authorization === undefined || authorization.trim() === '') return this.#refuse('missing Authorization header', origin, correlationId);
    const match = BEARER.exec(authorization);
    if (!match?.[1]) return this.#refuse('Authorization is not a Bearer token', origin, correlationId);
    const check = await checkToken(this.#deps.store, this.#deps.clock, match[1]);
    if (check.ok) return check;
    return this.#refuse(REASONS[check.reason], origin, correlationId, check.tokenId);
  }

  /** Audits `auth.forbidden` (operator, token, route, the roles it needs) and returns the 403 to throw. */
  async forbid(principal: OperatorPrincipal, route: string, needed: readonly string[], correlationId: string): Promise<MusterError> {
    const message = needed.length === 0 ? `no role may call ${route}` : `${route} needs the role ${needed.join(' or ')}`;
    const data = { route, needed, held: principal.roles, token_id: principal.tokenId };
    await this.#audit(`forbidden:${principal.tokenId}`, { actor: principal.actor, action: 'auth.forbidden', target: `token:${principal.tokenId}`, reason: message, data }, correlationId);
    return new MusterError('MUSTER_ERR_FORBIDDEN', message, [{ field: 'roles', value: principal.roles.join(','), message: needed.length === 0 ? 'no role may' : `needs ${needed.join(' or ')}` }]);
  }

  async #refuse(reason: string, origin: RequestOrigin, correlationId: string, tokenId?: string): Promise<AuthOutcome> {
    const draft = {
      actor: 'anonymous',
      action: 'auth.refused',
      target: tokenId === undefined ? null : `token:${tokenId}`,
      reason,
      data: { remoteAddress: origin.remoteAddress, method: origin.method, path: origin.path },
    };
    await this.#audit(`refused:${tokenId ?? origin.remoteAddress ?? 'local'}`, draft, correlationId);
    return { ok: false, reason };
  }

  async #audit(key: string, draft: AuditDraft, correlationId: string): Promise<void> {
    const admitted = this.#budget.admit(key, draft);
    if (admitted) await recordAudit(this.#deps.store, this.#deps.audit, admitted, correlationId);
  }
}

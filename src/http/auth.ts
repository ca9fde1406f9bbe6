import type { Context, MiddlewareHandler } from 'hono';
import { remoteAddress } from './remote.ts';
import { matchedRoutes } from 'hono/route';
import { actingThrough } from '../audit/acting.ts';
import { MusterError } from '../core/errors.ts';
import { OperatorAuthentication } from '../operators/authentication.ts';
import type { Muster } from '../runtime/context.ts';
import type { Env } from './env.ts';
import { isRoleGuard } from './role-guard.ts';

/**
 * Guards `/api/*`: a valid operator token or 401 with `WWW-Authenticate: Bearer` (the refusal is
 * audited). The route's own role check then lets the request on or refuses it (403, audited); a
 * route defined without one is refused to everyone. What the request writes is audited as the
 * operator, naming the token.
 */
export function requireToken(ctx: Muster): MiddlewareHandler<Env> {
  const auth = new OperatorAuthentication(ctx);
  return async (c, next) => {
    const origin = { remoteAddress: remoteAddress(c), method: c.req.method, path: c.req.path };
    const outcome = await auth.bearer(c.req.header('authorization'), origin, c.get('correlationId'));
    if (!outcome.ok) throw new MusterError('MUSTER_ERR_UNAUTHENTICATED', `API token refused: ${outcome.reason}`);
    const principal = outcome.principal;
    c.set('principal', principal);
    c.set('forbid', (route, needed) => auth.forbid(principal, route, needed, c.get('correlationId')));
    c.set('sourceKind', (source) => sourceKindOf(ctx, source));
    if (routedWithoutRoles(c)) throw await auth.forbid(principal, `${c.req.method} ${c.req.path}`, [], c.get('correlationId'));
    await actingThrough({ actor: principal.actor, tokenId: principal.tokenId }, next);
  };
}

/** The configured kind of a source, or undefined for a source muster does not know. */
export function sourceKindOf(ctx: Pick<Muster, 'config'>, source: string): string | undefined {
  return Object.hasOwn(ctx.config.sources, source) ? ctx.config.sources[source]?.kind : undefined;
}

/** Default deny: a route matched this request, and none of what matched is the role check of `apiRoute`. */
function routedWithoutRoles(c: Context<Env>): boolean {
  const matched = matchedRoutes(c);
  return matched.some((r) => r.method !== 'ALL') && !matched.some((r) => isRoleGuard(r.handler));
}

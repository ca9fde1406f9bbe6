import type { MiddlewareHandler } from 'hono';
import type { RouteRole } from '../core/operators/roles.ts';
import { neededRoles, rolesAllow, withSourceKind } from '../core/operators/roles.ts';
import { type Env, principalOf } from './env.ts';

const GUARDS = new WeakSet<object>();

/**
 * The middleware of one `/api` route: lets the request on only when its token holds one of the roles
 * the route names; otherwise 403, audited by the `/api/*` authentication middleware's `forbid`.
 */
export function roleGuard(route: string, declared: readonly RouteRole[]): MiddlewareHandler<Env> {
  const guard: MiddlewareHandler<Env> = async (c, next) => {
    const params = withSourceKind(c.req.param() as Record<string, string | undefined>, c.get('sourceKind'));
    if (!rolesAllow(principalOf(c).roles, declared, params)) throw await c.get('forbid')(route, neededRoles(declared, params));
    await next();
  };
  GUARDS.add(guard);
  return guard;
}

/** Is this handler the role check of a route defined with `apiRoute`? */
export function isRoleGuard(handler: unknown): boolean {
  return typeof handler === 'function' && GUARDS.has(handler);
}

import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { MusterError } from '../core/errors.ts';
import { type RouteRole, isFixedRole, SOURCE_ROUTE_ROLES } from '../core/operators/roles.ts';
import { roleGuard } from './role-guard.ts';
import { ERROR_RESPONSES } from './schemas.ts';

/** Name of the bearer security scheme in the OpenAPI document. */
export const BEARER_SCHEME = 'bearerAuth';
export const API_PREFIX = '/api/';

const COMMON_ERRORS = { 400: ERROR_RESPONSES[400], 401: ERROR_RESPONSES[401], 403: ERROR_RESPONSES[403], 500: ERROR_RESPONSES[500] };

/** The operator roles that may call a route: at least one. */
export type RouteRoles = readonly [RouteRole, ...RouteRole[]];

type ApiRouteConfig<P extends string> = Omit<RouteConfig, 'path' | 'security' | 'middleware'> & { path: P; roles: RouteRoles };

/**
 * Defines an authenticated `/api/…` route: the operator roles that may call it (`roles`, required:
 * a route no role names is refused to everyone), bearer security naming those roles in the document,
 * and the common error responses (400, 401, 403, 500) beside the route's own. Add others from
 * `ERROR_RESPONSES`, e.g. `responses: { 200: …, 404: ERROR_RESPONSES[404] }`. Authentication is the
 * `/api/*` middleware and the role check runs before the request is validated, so a route cannot
 * forget either.
 */
export function apiRoute<const P extends string, const R extends ApiRouteConfig<P>>(config: R) {
  const { roles, ...route } = config;
  const name = routeName(route);
  if (!route.path.startsWith(API_PREFIX)) throw new MusterError('MUSTER_ERR_INTERNAL', `apiRoute ${name}: authenticated routes live under ${API_PREFIX}`);
  checkRoles(name, route.path, roles);
  return createRoute({
    ...route,
    security: [{ [BEARER_SCHEME]: [...roles] }],
    middleware: roleGuard(name, roles),
    responses: { ...COMMON_ERRORS, ...route.responses },
  });
}

/** What a route made by `apiRoute` carries that names who may call it: its method, path and the roles in its security. */
export interface DeclaredRoute {
  readonly method: string;
  readonly path: string;
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[] | undefined;
}

/** `POST /api/cards`: the route as audit entries and refusals name it. */
export function routeName(route: DeclaredRoute): string {
  return `${route.method.toUpperCase()} ${route.path}`;
}

/** The roles a route made by `apiRoute` names (read back from its security), for a face that acts as that route does. */
export function declaredRoles(route: DeclaredRoute): RouteRoles {
  const roles = route.security?.[0]?.[BEARER_SCHEME] ?? [];
  checkRoles(routeName(route), route.path, roles);
  return roles as unknown as RouteRoles;
}

function checkRoles(name: string, path: string, roles: readonly string[] | undefined): void {
  if (!Array.isArray(roles) || roles.length === 0) throw new MusterError('MUSTER_ERR_INTERNAL', `apiRoute ${name}: name the operator roles that may call it`);
  for (const role of roles) {
    const bySource = SOURCE_ROUTE_ROLES.includes(role);
    if (bySource && !path.includes('{source}')) throw new MusterError('MUSTER_ERR_INTERNAL', `apiRoute ${name}: ${role} needs a {source} path parameter`);
    if (!bySource && !isFixedRole(role)) throw new MusterError('MUSTER_ERR_INTERNAL', `apiRoute ${name}: unknown operator role ${role}`);
  }
}

/** Defines a route open to anyone (health and the like). Keep these few. */
export function publicRoute<const P extends string, const R extends Omit<RouteConfig, 'path'> & { path: P }>(config: R) {
  if (config.path.startsWith(API_PREFIX)) {
    throw new MusterError('MUSTER_ERR_INTERNAL', `publicRoute ${config.path}: everything under ${API_PREFIX} requires a token`);
  }
  return createRoute({ ...config, responses: { 500: ERROR_RESPONSES[500], ...config.responses } });
}

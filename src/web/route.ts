import type { MiddlewareHandler } from 'hono';
import { actingThrough } from '../audit/acting.ts';
import { MusterError } from '../core/errors.ts';
import { type FixedRole, isFixedRole } from '../core/operators/roles.ts';
import { CONSOLE_PATH } from '../runtime/console.ts';
import { clearSessionCookie, sessionSecret } from './cookies.ts';
import { type ConsoleContext, type ConsoleEnv, operatorOf } from './env.ts';
import { messagePage } from './pages.ts';

/** The operator roles that may open a console page: at least one. */
export type ConsoleRoles = readonly [FixedRole, ...FixedRole[]];

type Handler = (c: ConsoleContext) => Response | Promise<Response>;

export interface ConsoleRouteConfig {
  readonly method: 'get' | 'post';
  /** Under /console. */
  readonly path: string;
  readonly roles: ConsoleRoles;
  readonly handler: Handler;
  /** The label of the page in the side navigation (a GET page only); shown to the operators holding one of `roles`. */
  readonly nav?: string;
}

/** A console page: where it is, who may open it, and the guard that checks both before its handler runs. */
export interface ConsoleRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly roles: ConsoleRoles;
  readonly guard: MiddlewareHandler<ConsoleEnv>;
  readonly handler: Handler;
  /** A page of the signed-in person's own (`selfConsoleRoute`): every live session opens it. */
  readonly self?: boolean;
  readonly nav?: string;
}

const GUARDS = new WeakSet<object>();
const OPEN = new WeakSet<object>();

/**
 * Defines a signed-in console page, as `apiRoute` defines an `/api` route: the roles that may open it (required: a
 * page no role names is refused to everyone), and a guard that runs first. Without a live session the browser is sent
 * to sign in (a POST is refused 401); an operator without the role gets 403 (audited `console.forbidden`). What the
 * page writes is audited as `operator:<identity-id>` with the session's id.
 */
export function consoleRoute(config: ConsoleRouteConfig): ConsoleRoute {
  const name = `${config.method.toUpperCase()} ${config.path}`;
  if (!config.path.startsWith(`${CONSOLE_PATH}/`) && config.path !== CONSOLE_PATH) throw new MusterError('MUSTER_ERR_INTERNAL', `consoleRoute ${name}: console pages live under ${CONSOLE_PATH}`);
  if (!Array.isArray(config.roles) || config.roles.length === 0) throw new MusterError('MUSTER_ERR_INTERNAL', `consoleRoute ${name}: name the operator roles that may open it`);
  for (const role of config.roles) if (!isFixedRole(role)) throw new MusterError('MUSTER_ERR_INTERNAL', `consoleRoute ${name}: unknown operator role ${role}`);
  const guard = sessionGuard(name, config.roles);
  GUARDS.add(guard);
  return { method: config.method === 'get' ? 'GET' : 'POST', path: config.path, roles: config.roles, guard, handler: config.handler, ...(config.nav === undefined ? {} : { nav: config.nav }) };
}

/**
 * A page of the signed-in person's own, open to every live session: a cardholder's `self` session (no role) and an
 * operator's alike. Its handler reads and writes only what belongs to the identity of the session (`operatorOf(c).identityId`).
 */
export function selfConsoleRoute(config: Omit<ConsoleRouteConfig, 'roles'>): Omit<ConsoleRoute, 'roles'> {
  const name = `${config.method.toUpperCase()} ${config.path}`;
  if (!config.path.startsWith(`${CONSOLE_PATH}/`) && config.path !== CONSOLE_PATH) throw new MusterError('MUSTER_ERR_INTERNAL', `selfConsoleRoute ${name}: console pages live under ${CONSOLE_PATH}`);
  const guard = sessionGuard(name, undefined);
  GUARDS.add(guard);
  return { method: config.method === 'get' ? 'GET' : 'POST', path: config.path, guard, handler: config.handler, self: true, ...(config.nav === undefined ? {} : { nav: config.nav }) };
}

/** A console page open without a session: signing in, the OP's answer, the signed-out page. Keep these few. */
export function openConsoleRoute(config: Omit<ConsoleRouteConfig, 'roles' | 'nav'>): Omit<ConsoleRoute, 'roles'> {
  const guard: MiddlewareHandler<ConsoleEnv> = async (_c, next) => next();
  OPEN.add(guard);
  return { method: config.method === 'get' ? 'GET' : 'POST', path: config.path, guard, handler: config.handler };
}

/** Where Hono keeps a handler it wrapped with the error handler of an app mounted with `app.route` (hono/utils/constants). */
const COMPOSED_HANDLER = '__COMPOSED_HANDLER';

/** Is this handler (or the one Hono wrapped in it when it mounted the console) the guard of a console page? */
export function isConsoleGuard(handler: unknown): boolean {
  if (typeof handler !== 'function') return false;
  const own = (handler as unknown as Record<string, unknown>)[COMPOSED_HANDLER] ?? handler;
  return typeof own === 'function' && (GUARDS.has(own) || OPEN.has(own));
}

/** Checks the session, then (unless `roles` is undefined: a page of one's own) that the operator holds one of `roles`. */
function sessionGuard(name: string, roles: ConsoleRoles | undefined): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const { sessions } = c.get('console');
    const check = await sessions.check(sessionSecret(c), c.get('correlationId'));
    if (!check.ok) {
      if (check.reason !== 'none') clearSessionCookie(c);
      if (c.req.method === 'GET') return c.redirect(`${CONSOLE_PATH}/sign-in`, 303);
      return c.html(messagePage('Sign in again', 'Your console session has ended.', { link: { href: `${CONSOLE_PATH}/sign-in`, text: 'Sign in' } }), 401);
    }
    const operator = check.operator;
    c.set('operator', operator);
    if (roles && !roles.some((role) => operator.roles.includes(role))) {
      await sessions.forbid(operator, name, roles, c.get('correlationId'));
      return c.html(messagePage('Not allowed', `This page needs the role ${roles.join(' or ')}.`, { operator }), 403);
    }
    await actingThrough({ actor: operatorOf(c).actor, sessionId: operator.sessionId }, next);
    return undefined;
  };
}

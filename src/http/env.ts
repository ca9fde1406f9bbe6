import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { MusterError } from '../core/errors.ts';
import type { OperatorPrincipal } from '../operators/principal.ts';
import type { Muster } from '../runtime/context.ts';

/** Who called: the operator and the API token that authenticated the request; `actor` is `operator:<identity-id>`. */
export type Principal = OperatorPrincipal;

/** Refuses a request whose token holds none of the roles the route needs: audits and returns the 403. */
export type Forbid = (route: string, needed: readonly string[]) => Promise<MusterError>;

/** Hono environment of the muster app: what middleware hands to handlers. */
export type Env = {
  Variables: {
    /** From a sane `x-correlation-id` request header, else generated; echoed on every response. */
    correlationId: string;
    /** Set on every `/api` request that passed authentication. */
    principal: Principal;
    /** Set with the principal: how a route's role check refuses. */
    forbid: Forbid;
    /** Set with the principal: the configured kind of a source (hr, npe, vetting, training), for roles that depend on it. */
    sourceKind: (source: string) => string | undefined;
  };
};

export type MusterApp = OpenAPIHono<Env>;

/** A group of routes in its own file. `createHttpApp(ctx, [module, …])` mounts it after the built-in routes. */
export type RouteModule = (app: MusterApp, ctx: Muster) => void;

export type MusterContext = Context<Env>;

export function correlationIdOf(c: Context<Env>): string {
  return c.get('correlationId');
}

/** The principal of an authenticated `/api` request; throws if a route outside `/api` asks for it. */
export function principalOf(c: Context<Env>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new Error(`no principal on ${c.req.method} ${c.req.path}: only /api routes are authenticated`);
  return principal;
}

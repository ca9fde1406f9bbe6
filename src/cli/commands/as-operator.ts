import type { Command } from 'commander';
import { actingThrough } from '../../audit/acting.ts';
import { MusterError } from '../../core/errors.ts';
import { neededRoles, rolesAllow, withSourceKind } from '../../core/operators/roles.ts';
import { sourceKindOf } from '../../http/auth.ts';
import { type DeclaredRoute, declaredRoles, routeName } from '../../http/route.ts';
import { OperatorAuthentication } from '../../operators/authentication.ts';
import type { OperatorPrincipal } from '../../operators/principal.ts';
import type { Muster } from '../../runtime/context.ts';
import type { Cli } from '../cli.ts';

/**
 * The admin API route a command does the work of: the command asks for the roles that route names
 * (read from the route itself, so the two cannot drift apart), with the route's path parameters.
 */
export interface AsRoute {
  readonly route: DeclaredRoute;
  readonly params?: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs `fn` as the operator whose token is in `MUSTER_TOKEN`, the way the admin API would: a
 * refused token is audited (`auth.refused`); with `as`, a token holding none of the roles of that
 * route is refused too (`auth.forbidden`, `MUSTER_ERR_FORBIDDEN`); what `fn` writes names the
 * operator and the token.
 */
export function withOperator<T>(cli: Cli, command: Command, fn: (ctx: Muster, by: OperatorPrincipal) => Promise<T>, as?: AsRoute): Promise<T> {
  return cli.withMuster(command, async (ctx) => {
    const token = cli.io.env.MUSTER_TOKEN;
    const origin = { remoteAddress: null, method: 'CLI', path: commandPath(command) };
    const auth = new OperatorAuthentication(ctx);
    const outcome = await auth.bearer(token ? `Bearer ${token}` : undefined, origin, cli.correlationId);
    if (!outcome.ok) throw new MusterError('MUSTER_ERR_UNAUTHENTICATED', `set MUSTER_TOKEN to an operator's token (${outcome.reason})`, [{ key: 'MUSTER_TOKEN', message: outcome.reason }]);
    const by = outcome.principal;
    if (as) await requireRouteRoles(auth, by, { ...as, params: withSourceKind(as.params ?? {}, (source) => sourceKindOf(ctx, source)) }, origin.path, cli.correlationId);
    return actingThrough({ actor: by.actor, tokenId: by.tokenId }, () => fn(ctx, by));
  });
}

/** `muster card issue`: the command as refusals name it. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return `muster ${names.join(' ')}`;
}

async function requireRouteRoles(auth: OperatorAuthentication, by: OperatorPrincipal, as: AsRoute, path: string, correlationId: string): Promise<void> {
  const declared = declaredRoles(as.route);
  const params = as.params ?? {};
  if (rolesAllow(by.roles, declared, params)) return;
  throw await auth.forbid(by, `${path} (${routeName(as.route)})`, neededRoles(declared, params), correlationId);
}

/** The `{ actor, correlationId }` a service records a command's writes under: the operator's. */
export function byOperator(cli: Cli, by: OperatorPrincipal): { actor: string; correlationId: string } {
  return { actor: by.actor, correlationId: cli.correlationId };
}

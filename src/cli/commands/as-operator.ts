import type { Command } from 'commander';
import { actingThrough } from '../../audit/acting.ts';
import { MusterError } from '../../core/errors.ts';
import { OperatorAuthentication } from '../../operators/authentication.ts';
import type { OperatorPrincipal } from '../../operators/principal.ts';
import type { Muster } from '../../runtime/context.ts';
import type { Cli } from '../cli.ts';

/**
 * Runs `fn` as the operator whose token is in `MUSTER_TOKEN`, the way the admin API would: a
 * refused token is audited (`auth.refused`), and what `fn` writes names the operator and the token.
 */
export function withOperator<T>(cli: Cli, command: Command, fn: (ctx: Muster, by: OperatorPrincipal) => Promise<T>): Promise<T> {
  return cli.withMuster(command, async (ctx) => {
    const token = cli.io.env.MUSTER_TOKEN;
    const origin = { remoteAddress: null, method: 'CLI', path: `muster ${command.parent?.name() ?? ''} ${command.name()}`.replace(/ +/g, ' ') };
    const outcome = await new OperatorAuthentication(ctx).bearer(token ? `Bearer ${token}` : undefined, origin, cli.correlationId);
    if (!outcome.ok) throw new MusterError('MUSTER_ERR_UNAUTHENTICATED', `set MUSTER_TOKEN to an operator's token (${outcome.reason})`, [{ key: 'MUSTER_TOKEN', message: outcome.reason }]);
    const by = outcome.principal;
    return actingThrough({ actor: by.actor, tokenId: by.tokenId }, () => fn(ctx, by));
  });
}

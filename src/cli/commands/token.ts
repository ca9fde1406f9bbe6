import type { Command } from 'commander';
import { listTokens, createToken, revokeToken } from '../../operators/tokens.ts';
import { requireAnyRole } from '../../operators/principal.ts';
import { operatorDeps } from '../../runtime/operators.ts';
import type { Cli } from '../cli.ts';
import { table } from '../render.ts';
import { withOperator } from './as-operator.ts';

interface CreateFlags {
  readonly for: string;
  readonly roles: string;
  readonly expires?: string;
  readonly name?: string;
}

/** `muster token …`: operators' API tokens, as the operator whose token is in MUSTER_TOKEN. */
export function tokenCommands(program: Command, cli: Cli): void {
  const token = program.command('token').description("operators' API tokens (shown once, stored only as a hash); acts as the operator of MUSTER_TOKEN");
  token
    .command('create')
    .description('issue a token to an operator with some of its roles, and print it once (operator-admin)')
    .requiredOption('--for <identity-id>', 'the operator (an active identity holding the roles)')
    .requiredOption('--roles <roles>', 'comma-separated roles, each held by the operator')
    .option('--expires <days>', 'lifetime, e.g. 30d (default admin.tokens.defaultDays, at most admin.tokens.maxDays)')
    .option('--name <name>', 'what the token is for, e.g. "ops laptop"')
    .action((flags: CreateFlags, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        const request = { identityId: flags.for, roles: flags.roles.split(','), expires: flags.expires, name: flags.name };
        const created = await createToken(operatorDeps(ctx), by, request, cli.correlationId);
        cli.note('Store this token now: muster keeps only its hash and cannot show it again.');
        cli.print(command, created, () => [created.token, `id ${created.id} (${created.name}) for ${created.identityId}: ${created.roles.join(',')}, expires ${created.expiresAt}`]);
      }),
    );
  token
    .command('list')
    .description('every token: operator, roles, expiry, last use, revoked (never the token; operator-admin, security-officer or auditor)')
    .action((_opts: unknown, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        requireAnyRole(by, ['operator-admin', 'security-officer', 'auditor'], 'listing tokens');
        const items = await listTokens(ctx.store);
        const rows = items.map((t) => [t.id, t.name, t.identityId, t.roles.join(','), t.expiresAt, t.lastUsedAt, t.revokedAt]);
        cli.print(command, { items }, () => table(['ID', 'NAME', 'OPERATOR', 'ROLES', 'EXPIRES', 'LAST USED', 'REVOKED'], rows));
      }),
    );
  token
    .command('revoke')
    .description("revoke a token; requests with it are refused from now on (one's own, or operator-admin or security-officer)")
    .argument('<id>', 'token id (from token list)')
    .action((id: string, _opts: unknown, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        const revoked = await revokeToken(operatorDeps(ctx), by, id, cli.correlationId);
        cli.print(command, revoked, () => `token ${revoked.id} (${revoked.name}) revoked at ${revoked.revokedAt ?? '-'}`);
      }),
    );
}

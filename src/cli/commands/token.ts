import type { Command } from 'commander';
import { createToken, listTokens, revokeToken } from '../../admin/tokens.ts';
import type { Cli } from '../cli.ts';
import { table } from '../render.ts';

export function tokenCommands(program: Command, cli: Cli): void {
  const token = program.command('token').description('admin API tokens (shown once, stored only as a hash)');
  token
    .command('create')
    .description('create an API token and print it once')
    .argument('<name>', 'what the token is for, e.g. "ops laptop"')
    .action((name: string, _opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const created = await createToken(ctx.store, ctx.audit, ctx.clock, name, cli.actor, cli.correlationId);
        cli.note('Store this token now: muster keeps only its hash and cannot show it again.');
        cli.print(command, created, () => [created.token, `id ${created.id} (${created.name})`]);
      }),
    );
  token
    .command('list')
    .description('every token: id, name, created, last used, revoked (never the token)')
    .action((_opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await listTokens(ctx.store);
        cli.print(command, { items }, () => table(['ID', 'NAME', 'CREATED', 'LAST USED', 'REVOKED'], items.map((t) => [t.id, t.name, t.createdAt, t.lastUsedAt, t.revokedAt])));
      }),
    );
  token
    .command('revoke')
    .description('revoke a token; requests with it are refused from now on')
    .argument('<id>', 'token id (from token list)')
    .action((id: string, _opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const revoked = await revokeToken(ctx.store, ctx.audit, ctx.clock, id, cli.actor, cli.correlationId);
        cli.print(command, revoked, () => `token ${revoked.id} (${revoked.name}) revoked at ${revoked.revokedAt ?? '-'}`);
      }),
    );
}

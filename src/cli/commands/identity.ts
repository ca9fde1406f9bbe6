import type { Command } from 'commander';
import { identityView, listIdentities } from '../../mur/identity-repository.ts';
import type { Cli } from '../cli.ts';
import { identityLines, summaryLines } from '../render.ts';
import { integer } from './options.ts';

export function identityCommands(program: Command, cli: Cli): void {
  const identity = program.command('identity').description('read the Master User Record');
  identity
    .command('show')
    .description('the single view of one identity: attributes with provenance, status history, trust, training, credentials, accounts')
    .argument('<id>', 'identity id (UUID)')
    .action((id: string, _opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const view = await identityView(ctx.store, id);
        cli.print(command, view, () => identityLines(view));
      }),
    );
  identity
    .command('list')
    .description('identities in id order, filtered')
    .option('--status <status>')
    .option('--kind <kind>')
    .option('--user-type <type>')
    .option('--department <name>')
    .option('--component <name>')
    .option('-q, --query <prefix>', 'prefix of a name, the email or the employee id')
    .option('--limit <n>', 'page size (default 50, at most 500)', integer('limit'))
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .action((opts: ListOptions, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const page = await listIdentities(ctx.store, { ...opts, q: opts.query });
        cli.print(command, page, () => [...summaryLines(page.items), ...(page.nextCursor ? [`next page: --cursor ${page.nextCursor}`] : [])]);
      }),
    );
}

interface ListOptions {
  status?: string;
  kind?: string;
  userType?: string;
  department?: string;
  component?: string;
  query?: string;
  limit?: number;
  cursor?: string;
}

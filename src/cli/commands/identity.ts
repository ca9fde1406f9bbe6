import type { Command } from 'commander';
import { holdPlaceRoute, holdReleaseRoute } from '../../http/routes/holds.ts';
import { withOperator } from './as-operator.ts';
import { type Hold, listActiveHolds, placeHold, releaseHold } from '../../lifecycle/holds.ts';
import { identityView, listIdentities } from '../../mur/identity-repository.ts';
import type { Cli } from '../cli.ts';
import { identityLines, summaryLines, table } from '../render.ts';
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
    .option('--trust <eligibility>', 'TRUST eligibility: favorable, interim, pending, unfavorable, or none (also no record)')
    .option('--credential <kind>', 'holds an active piv, derived-pki or fido2 credential, or none of them')
    .option('--training <state>', 'lapsed (a course overdue or expired) or current')
    .option('--privileged', 'holds a privileged entitlement or account, a PRIV record or an operator role')
    .option('--limit <n>', 'page size (default 50, at most 500)', integer('limit'))
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .action((opts: ListOptions, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const page = await listIdentities(ctx.store, { ...opts, q: opts.query, today: ctx.clock.now().toISOString().slice(0, 10) });
        cli.print(command, page, () => [...summaryLines(page.items), ...(page.nextCursor ? [`next page: --cursor ${page.nextCursor}`] : [])]);
      }),
    );
  holdCommands(identity, cli);
}

/** `muster identity hold|release|holds`: a security officer suspends someone now; no source lifts it; another actor releases it. */
function holdCommands(identity: Command, cli: Cli): void {
  identity
    .command('hold')
    .description('suspend an identity now (its access ends in urgent jobs); no source can lift it until another actor releases it')
    .argument('<id>', 'identity id (UUID)')
    .requiredOption('--reason <text>', 'why (audited)')
    .action((id: string, opts: { reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const hold = await placeHold(ctx.store, ctx, id, opts.reason, by.actor);
          cli.print(command, { hold }, () => `identity ${hold.identityId} is held (hold ${hold.id}, was ${hold.priorStatus})`);
        },
        { route: holdPlaceRoute, params: { id } },
      ),
    );
  identity
    .command('release')
    .description('lift the hold of an identity (not by the actor who placed it): it returns to the status its source asks for')
    .argument('<id>', 'identity id (UUID)')
    .requiredOption('--reason <text>', 'why (audited)')
    .action((id: string, opts: { reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const hold = await releaseHold(ctx.store, ctx, id, opts.reason, by.actor);
          cli.print(command, { hold }, () => `hold ${hold.id} on identity ${hold.identityId} released`);
        },
        { route: holdReleaseRoute, params: { id } },
      ),
    );
  identity
    .command('holds')
    .description('the active holds, oldest first')
    .action((_opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await listActiveHolds(ctx.store);
        cli.print(command, { items }, () => (items.length === 0 ? 'no active holds' : holdTable(items)));
      }),
    );
}

function holdTable(items: readonly Hold[]): string[] {
  return table(
    ['IDENTITY', 'PLACED', 'BY', 'REASON'],
    items.map((h) => [h.identityId, h.placedAt, h.placedBy, h.reason]),
  );
}

interface ListOptions {
  status?: string;
  kind?: string;
  userType?: string;
  department?: string;
  component?: string;
  query?: string;
  trust?: string;
  credential?: string;
  training?: string;
  privileged?: boolean;
  limit?: number;
  cursor?: string;
}

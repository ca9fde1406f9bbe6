import type { Command } from 'commander';
import { disputeResolveRoute } from '../../http/routes/disputes.ts';
import { withOperator } from './as-operator.ts';
import type { Cli } from '../cli.ts';
import { table } from '../render.ts';

/** `muster disputes list|resolve`: records that matched several identities, or one with too little confidence. */
export function disputeCommands(program: Command, cli: Cli): void {
  const group = program.command('disputes').description('disputed correlation cases, resolved by a person');
  group
    .command('list')
    .description('open cases (or --all) with their candidates')
    .option('--all', 'resolved cases too')
    .action((opts: { all?: boolean }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await ctx.disputes.list(opts.all ? {} : { status: 'open' });
        cli.print(command, { items }, () =>
          items.length === 0
            ? 'no disputed cases'
            : table(
                ['CASE', 'SOURCE', 'KEY', 'STATUS', 'CANDIDATES'],
                items.map((d) => [d.id, d.source, d.sourceKey, d.status, d.candidates.map((c) => `${c.identity_id} (${c.rule} ${c.confidence}, ${c.status})`).join('; ')]),
              ),
        );
      }),
    );
  group
    .command('resolve')
    .description("link the record to a candidate identity, or 'new' for a new identity")
    .argument('<case>', 'case id')
    .argument('<choice>', "a candidate identity id, or 'new'")
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .action((id: string, choice: string, opts: { reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const result = await ctx.disputes.resolve(id, choice, opts.reason, by.actor, cli.correlationId);
          cli.print(command, result, () => `case ${id} resolved: ${result.events.map((e) => `${e.type} ${e.identityId ?? ''}`).join(', ') || 'no change'}`);
        },
        { route: disputeResolveRoute, params: { id } },
      ),
    );
}

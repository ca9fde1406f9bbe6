import type { Command } from 'commander';
import { operationRetryRoute } from '../../http/routes/provisioning.ts';
import { byOperator, withOperator } from './as-operator.ts';
import { escalateOverdue, type Ticket, TicketService, ticketTargetsOf } from '../../lifecycle/tickets/index.ts';
import type { Muster } from '../../runtime/context.ts';
import type { CommandGroup } from '../main.ts';
import { table } from '../render.ts';
import { integer } from './options.ts';

function ticketTable(items: readonly Ticket[]): string[] {
  return table(
    ['TICKET', 'TARGET', 'ACCOUNT', 'OPERATION', 'STATUS', 'OPENED', 'DUE', 'OUTCOME'],
    items.map((t) => [t.id, t.target, t.accountRef, t.operation, t.status, t.openedAt, t.dueAt, t.outcome]),
  );
}

function ticketLines(t: Ticket): string[] {
  return [
    `ticket ${t.id} (${t.status}${t.outcome ? `, ${t.outcome}` : ''})`,
    `  ${t.target}: ${t.operation} ${t.accountRef}${t.identityId ? ` for identity ${t.identityId}` : ''}`,
    `  opened ${t.openedAt}, due ${t.dueAt}${t.escalatedAt ? `, escalated ${t.escalatedAt}` : ''}${t.closedAt ? `, closed ${t.closedAt} by ${t.closedBy}` : ''}`,
  ];
}

const service = (ctx: Muster) => new TicketService(ctx);

/** `muster ticket list|show|close|escalate`: requests carried to an ITSM for targets with no API. */
export const ticketCommands: CommandGroup = (program, cli) => {
  const ticket = program.command('ticket').description('tickets of targets with no API: list, show, close by hand, escalate overdue ones');
  ticket
    .command('list')
    .description('tickets, newest first')
    .option('--status <status>', 'open, escalated or closed')
    .option('--target <name>', 'only this target')
    .option('--limit <n>', 'at most this many (1-1000)', integer('limit'), 100)
    .action((opts: { status?: string; target?: string; limit: number }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await service(ctx).list(opts);
        cli.print(command, { items }, () => (items.length === 0 ? 'no tickets' : ticketTable(items)));
      }),
    );
  ticket
    .command('show')
    .description('one ticket')
    .argument('<id>', 'ticket id')
    .action((id: string, _opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const found = await service(ctx).get(id);
        cli.print(command, { ticket: found }, () => ticketLines(found));
      }),
    );
  ticket
    .command('close')
    .description('close a ticket by hand (the ITSM callback does this normally); rejected makes provisioning ask again')
    .argument('<id>', 'ticket id')
    .requiredOption('--outcome <outcome>', 'done or rejected')
    .option('--note <text>', 'kept in the audit log')
    .action((id: string, opts: { outcome: string; note?: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const closed = await service(ctx).close(id, { outcome: opts.outcome, note: opts.note, closedBy: by.actor }, byOperator(cli, by));
          cli.print(command, { ticket: closed }, () => ticketLines(closed));
        },
        // a ticket is a provisioning operation carried by hand: the roles of retrying one
        { route: operationRetryRoute },
      ),
    );
  ticket
    .command('escalate')
    .description('escalate every open ticket past its due time now (the worker does this every minute)')
    .action((_opts: unknown, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx) => {
          const result = await escalateOverdue(ctx, ticketTargetsOf(ctx.config));
          cli.print(command, result, () => [`${result.escalated.length} ticket(s) escalated`, ...result.failed.map((f) => `not delivered: ${f.ticket}: ${f.error}`)]);
        },
        { route: operationRetryRoute },
      ),
    );
};

import type { Command } from 'commander';
import { traceEvent, traceIdentity } from '../../audit/trace/build.ts';
import { MusterError } from '../../core/errors.ts';
import type { CommandGroup } from '../main.ts';
import { integer, isoDate } from './options.ts';
import { traceLines } from './trace-render.ts';

interface TraceOptions {
  readonly identity?: string;
  readonly since?: Date;
}

function refuse(message: string, field: string): MusterError {
  return new MusterError('MUSTER_ERR_VALIDATION', message, [{ field, message }]);
}

/** `muster trace EVENT-ID` or `muster trace --identity ID --since ISO`: what a domain event caused, through every queue. */
export const traceCommands: CommandGroup = (program, cli) => {
  program
    .command('trace')
    .description('the causal tree of a domain event: jobs, target operations, revocations, signals, tickets, session ends, audit entries')
    .argument('[event-id]', 'domain event id', integer('event-id'))
    .option('--identity <id>', 'the events of this identity instead (with --since)')
    .option('--since <time>', 'with --identity: events at or after this ISO 8601 time', isoDate('since'))
    .action((eventId: number | undefined, opts: TraceOptions, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        if (eventId !== undefined) {
          if (opts.identity !== undefined) throw refuse('give an event id or --identity, not both', 'identity');
          const tree = await traceEvent(ctx.store, eventId);
          return cli.print(command, tree, () => traceLines(tree));
        }
        if (opts.identity === undefined) throw refuse('give an event id, or --identity with --since', 'event-id');
        if (opts.since === undefined) throw refuse('--identity needs --since', 'since');
        const items = await traceIdentity(ctx.store, opts.identity, opts.since);
        cli.print(command, { items }, () => (items.length === 0 ? `no events of ${opts.identity} since ${opts.since?.toISOString()}` : items.flatMap((t) => [...traceLines(t), ''])));
      }),
    );
};

import type { Command } from 'commander';
import { identifierChangeRoute } from '../../http/routes/ssf.ts';
import { withOperator } from './as-operator.ts';
import { changeFederatedIdentifier } from '../../protocols/ssf/signals/identifier-change.ts';
import { setStreamStatusAsTransmitter } from '../../protocols/ssf/streams.ts';
import { STREAM_STATUSES, type StreamStatus } from '../../protocols/ssf/stream-rows.ts';
import { MusterError } from '../../core/errors.ts';
import { signalDeps, transmitterDeps } from '../../runtime/ssf.ts';
import type { CommandGroup } from '../main.ts';
import { table } from '../render.ts';

interface StreamLine extends Record<string, unknown> {
  stream_id: string;
  client_id: string;
  status: string;
  method: string;
  pending: number;
  held: number;
  failed: number;
  delivered: number;
}

function changeIdentifier(signals: Command, cli: Parameters<CommandGroup>[1]): void {
  signals
    .command('change-identifier')
    .description('give the identity a new federated identifier at every relying party; each RP whose agreement lists it is told old → new')
    .argument('<identity>', 'identity id')
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .action((identity: string, opts: { reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const result = await changeFederatedIdentifier(signalDeps(ctx), identity, by.actor, opts.reason, cli.correlationId);
          cli.print(command, result, () => [
            ...result.changed.map((c) => `${c.clientId}: ${c.oldSub} → ${c.newSub}`),
            ...result.unresolved.map((id) => `${id}: no agreement entry or registration, identifier not recomputed`),
            `${result.changed.length} relying part(ies) changed, ${result.queued.length} signal(s) queued`,
          ]);
        },
        { route: identifierChangeRoute, params: { id: identity } },
      ),
    );
}

function streams(signals: Command, cli: Parameters<CommandGroup>[1]): void {
  signals
    .command('streams')
    .description('every shared-signals stream with its delivery counts')
    .action((_opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await ctx.store.query<StreamLine>(
          `SELECT s.stream_id, s.client_id, s.status, s.config->'delivery'->>'method' AS method,
           count(*) FILTER (WHERE e.state = 'pending')::int AS pending, count(*) FILTER (WHERE e.state = 'held')::int AS held,
           count(*) FILTER (WHERE e.state = 'failed')::int AS failed, count(*) FILTER (WHERE e.state = 'delivered')::int AS delivered
         FROM ssf_streams s LEFT JOIN ssf_events e ON e.stream_id = s.stream_id GROUP BY s.stream_id ORDER BY s.client_id`,
        );
        cli.print(command, { items }, () =>
          items.length === 0
            ? 'no streams'
            : table(
                ['STREAM', 'CLIENT', 'STATUS', 'METHOD', 'PENDING', 'HELD', 'FAILED', 'DELIVERED'],
                items.map((s) => [s.stream_id, s.client_id, s.status, s.method === 'urn:ietf:rfc:8935' ? 'push' : 'poll', s.pending, s.held, s.failed, s.delivered]),
              ),
        );
      }),
    );
  signals
    .command('stream-status')
    .description('pause, disable or enable a stream as the transmitter: the receiver is sent stream-updated first')
    .argument('<stream>', 'stream id')
    .argument('<status>', STREAM_STATUSES.join(' | '))
    .requiredOption('--reason <text>', 'why (sent to the receiver, kept in the audit log)')
    .action((stream: string, status: string, opts: { reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          if (!(STREAM_STATUSES as readonly string[]).includes(status))
            throw new MusterError('MUSTER_ERR_VALIDATION', `status must be one of ${STREAM_STATUSES.join(', ')}`, [{ field: 'status', value: status, message: 'unknown status' }]);
          const result = await setStreamStatusAsTransmitter(transmitterDeps(ctx), stream, status as StreamStatus, opts.reason, by.actor, cli.correlationId);
          cli.print(command, result, () => `stream ${result.stream_id} is ${result.status}`);
        },
        // what reaches relying parties is the federation admins': the roles of the identifier change
        { route: identifierChangeRoute },
      ),
    );
}

/** `muster signals change-identifier|streams|stream-status`: the shared-signals transmitter. */
export const signalCommands: CommandGroup = (program, cli) => {
  const signals = program.command('signals').description('shared signals to relying parties (SSF, CAEP, RISC)');
  changeIdentifier(signals, cli);
  streams(signals, cli);
};

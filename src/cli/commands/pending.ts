import type { Command } from 'commander';
import { type PendingAction, type PendingStatus } from '../../operators/pending-actions.ts';
import { requireAnyRole } from '../../operators/principal.ts';
import { pendingActions } from '../../runtime/pending-actions.ts';
import type { Cli } from '../cli.ts';
import { table } from '../render.ts';
import { withOperator } from './as-operator.ts';

const STATUSES: readonly PendingStatus[] = ['pending', 'confirmed', 'rejected', 'expired', 'failed'];

function line(a: PendingAction): string {
  return `${a.id} ${a.status}: ${a.summary} (proposed by ${a.proposedBy}, needs ${a.requiredRole}, expires ${a.expiresAt.toISOString()})`;
}

/** `muster pending list|confirm|reject`: two-person actions (docs/operators.md#two-person-rules), as the operator of MUSTER_TOKEN. */
export function pendingCommands(program: Command, cli: Cli): void {
  const pending = program.command('pending').description('two-person actions: one operator proposes, another holding the role confirms; acts as the operator of MUSTER_TOKEN');
  pending
    .command('list')
    .description('two-person actions, newest first (federation-admin, operator-admin, security-officer, ca-operator or auditor)')
    .option('--status <status>', `one of ${STATUSES.join(', ')}`)
    .action((opts: { status?: PendingStatus }, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        requireAnyRole(by, ['federation-admin', 'operator-admin', 'security-officer', 'ca-operator', 'auditor'], 'listing pending actions');
        const items = await pendingActions(ctx).list(opts.status && STATUSES.includes(opts.status) ? opts.status : undefined);
        cli.print(command, { items }, () =>
          items.length === 0
            ? 'no pending actions'
            : table(
                ['ID', 'STATUS', 'NEEDS', 'PROPOSED BY', 'EXPIRES', 'WHAT'],
                items.map((a) => [a.id, a.status, a.requiredRole, a.proposedBy, a.expiresAt.toISOString(), a.summary]),
              ),
        );
      }),
    );
  for (const decision of ['confirm', 'reject'] as const) {
    pending
      .command(decision)
      .description(decision === 'confirm' ? 'confirm an action another operator proposed, and run it' : 'reject a pending action: it never runs')
      .argument('<id>', 'the pending action')
      .requiredOption('--reason <reason>', 'why, for the record')
      .action((id: string, opts: { reason: string }, command: Command) =>
        withOperator(cli, command, async (ctx, by) => {
          const decider = { ...by, correlationId: cli.correlationId };
          const actions = pendingActions(ctx);
          const done = decision === 'confirm' ? await actions.confirm(id, decider, opts.reason, true) : await actions.reject(id, decider, opts.reason);
          cli.print(command, { pendingAction: done }, () => line(done));
        }),
      );
  }
}

/** What a command that proposes prints: the action and how a second operator confirms it. */
export function proposedLines(a: PendingAction): string[] {
  return [line(a), `a second operator holding ${a.requiredRole} confirms it: muster pending confirm ${a.id} --reason …`];
}

import type { Command } from 'commander';
import { requireAnyRole } from '../../operators/principal.ts';
import { bootstrapOperator, listOperators, revokeRole } from '../../operators/roles.ts';
import { grantOrPropose } from '../../runtime/pending-actions.ts';
import { operatorDeps } from '../../runtime/operators.ts';
import type { Cli } from '../cli.ts';
import { table } from '../render.ts';
import { withOperator } from './as-operator.ts';
import { proposedLines } from './pending.ts';

interface RoleFlags {
  readonly role: string;
  readonly reason: string;
}

/** `muster operator …`: who operates muster and with which roles (docs/operators.md). */
export function operatorCommands(program: Command, cli: Cli): void {
  const operator = program.command('operator').description('operators: identities of the MUR holding operator roles');
  operator
    .command('bootstrap')
    .description('make the first operator and print its token; only against the store (never over HTTP), only while no operator exists')
    .argument('<person-id>', 'an active person of the MUR')
    .requiredOption('--roles <roles>', 'comma-separated roles, e.g. operator-admin')
    .option('--reason <reason>', 'why, for the record')
    .action((id: string, flags: { roles: string; reason?: string }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const created = await bootstrapOperator(operatorDeps(ctx), { identityId: id, roles: flags.roles.split(','), reason: flags.reason }, cli.actor, cli.correlationId);
        cli.note('Store this token now: muster keeps only its hash and cannot show it again.');
        cli.print(command, created, () => [created.token, `id ${created.id} for ${created.identityId}: ${created.roles.join(',')}, expires ${created.expiresAt}`]);
      }),
    );
  operator
    .command('grant')
    .description('grant an operator role to an active identity (operator-admin, never to itself); ca-operator, security-officer and federation-admin wait for a second operator-admin')
    .argument('<identity-id>', 'the identity')
    .requiredOption('--role <role>', 'the role, e.g. auditor or source-feed:hr')
    .requiredOption('--reason <reason>', 'why, for the record')
    .action((id: string, flags: RoleFlags, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        const outcome = await grantOrPropose(ctx, { ...by, correlationId: cli.correlationId }, { identityId: id, role: flags.role, reason: flags.reason });
        if ('pending' in outcome) cli.print(command, { identityId: id, role: flags.role, granted: false, pendingAction: outcome.pending }, () => proposedLines(outcome.pending));
        else cli.print(command, { identityId: id, role: flags.role, granted: true }, () => `granted ${flags.role} to ${id}`);
      }),
    );
  operator
    .command('revoke')
    .description("end an operator's role; its tokens lose it at once (operator-admin or security-officer)")
    .argument('<identity-id>', 'the identity')
    .requiredOption('--role <role>', 'the role')
    .requiredOption('--reason <reason>', 'why, for the record')
    .action((id: string, flags: RoleFlags, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        await revokeRole(operatorDeps(ctx), by, { identityId: id, role: flags.role, reason: flags.reason }, cli.correlationId);
        cli.print(command, { identityId: id, role: flags.role, revoked: true }, () => `revoked ${flags.role} of ${id}`);
      }),
    );
  operator
    .command('list')
    .description('every operator and the roles it holds (operator-admin, security-officer or auditor)')
    .action((_opts: unknown, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        requireAnyRole(by, ['operator-admin', 'security-officer', 'auditor'], 'listing operators');
        const items = await listOperators(ctx);
        const rows = items.flatMap((o) => o.roles.map((r) => [o.identityId, r.role, r.grantedAt, r.grantedBy, r.reason]));
        cli.print(command, { items }, () => table(['OPERATOR', 'ROLE', 'GRANTED', 'BY', 'REASON'], rows));
      }),
    );
}

import type { Command } from 'commander';
import { jobRetryRoute, operationRetryRoute } from '../../http/routes/provisioning.ts';
import { withOperator } from './as-operator.ts';
import { listJobs, retryJob } from '../../lifecycle/admin.ts';
import type { Job } from '../../lifecycle/jobs.ts';
import { listOps, queueStatus, retryOp } from '../../lifecycle/provision/admin.ts';
import type { ProvisioningOp } from '../../lifecycle/provision/ops.ts';
import type { CommandGroup } from '../main.ts';
import { table } from '../render.ts';
import { integer } from './options.ts';

const lag = (seconds: number) => (seconds < 120 ? `${Math.round(seconds)}s` : seconds < 7200 ? `${Math.round(seconds / 60)}m` : `${Math.round(seconds / 3600)}h`);

function opTable(items: readonly ProvisioningOp[]): string[] {
  return table(
    ['ID', 'TARGET', 'IDENTITY', 'ATTEMPTS', 'UPDATED', 'REASON', 'LAST ERROR'],
    items.map((o) => [o.id, o.target, o.identityId, o.attempts, o.updatedAt.toISOString(), o.reason, o.lastError]),
  );
}

function jobTable(items: readonly Job[]): string[] {
  return table(
    ['ID', 'KIND', 'KEY', 'ATTEMPTS', 'UPDATED', 'LAST ERROR'],
    items.map((j) => [j.id, j.kind, j.idempotencyKey, j.attempts, j.updatedAt.toISOString(), j.lastError]),
  );
}

/** `muster provision status|dead|retry`: the provisioning queue of each target and its dead letters. */
export const provisionCommands: CommandGroup = (program, cli) => {
  const provision = program.command('provision').description('the provisioning queue of each target: status, dead letters, retry');
  provision
    .command('status')
    .description('per target: pending, running, failing, dead, and how long the oldest has waited')
    .action((_opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await queueStatus(ctx.store, ctx.accessTargets.names, ctx.clock.now());
        cli.print(command, { items }, () =>
          items.length === 0
            ? 'no targets'
            : table(
                ['TARGET', 'PENDING', 'RUNNING', 'FAILING', 'DEAD', 'LAG'],
                items.map((q) => [q.target, q.pending, q.running, q.failing, q.dead, lag(q.lagSeconds)]),
              ),
        );
      }),
    );
  provision
    .command('dead')
    .description('operations that failed every attempt, newest first')
    .option('--target <name>', 'only this target')
    .option('--limit <n>', 'at most this many (1-1000)', integer('limit'), 100)
    .action((opts: { target?: string; limit: number }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await listOps(ctx.store, { status: 'dead', target: opts.target, limit: opts.limit });
        cli.print(command, { items }, () => (items.length === 0 ? 'no dead operations' : opTable(items)));
      }),
    );
  provision
    .command('retry')
    .description('put a dead operation back in the queue, due now')
    .argument('<id>', 'operation id', integer('id'))
    .action((id: number, _opts: unknown, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const op = await retryOp(ctx.store, ctx.audit, ctx.clock, id, by.actor);
          cli.print(
            command,
            { operation: op },
            () => `operation ${op.id} (${op.target}, identity ${op.identityId}) is ${op.status === 'pending' ? 'back in the queue' : 'folded into the pending one'}`,
          );
        },
        { route: operationRetryRoute, params: { id: String(id) } },
      ),
    );
};

/** `muster job dead|retry`: the outbox's dead letters. */
export const jobCommands: CommandGroup = (program, cli) => {
  const job = program.command('job').description('the outbox: dead letters, retry');
  job
    .command('dead')
    .description('jobs that failed every attempt, newest first')
    .option('--kind <kind>', 'only this kind')
    .option('--limit <n>', 'at most this many (1-1000)', integer('limit'), 100)
    .action((opts: { kind?: string; limit: number }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await listJobs(ctx.store, { status: 'dead', kind: opts.kind, limit: opts.limit });
        cli.print(command, { items }, () => (items.length === 0 ? 'no dead jobs' : jobTable(items)));
      }),
    );
  job
    .command('retry')
    .description('put a dead job back in the queue, due now')
    .argument('<id>', 'job id', integer('id'))
    .action((id: number, _opts: unknown, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const retried = await retryJob(ctx.store, ctx.audit, ctx.clock, id, by.actor);
          cli.print(command, { job: retried }, () => `job ${retried.id} (${retried.kind}) is back in the queue`);
        },
        { route: jobRetryRoute, params: { id: String(id) } },
      ),
    );
};

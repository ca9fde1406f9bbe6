import type { Command } from 'commander';
import { describeError } from '../../lifecycle/worker.ts';
import { startMuster } from '../../runtime/context.ts';
import { startProvisioning } from '../../runtime/provisioning.ts';
import { startJobWorker } from '../../runtime/workers.ts';
import type { Cli } from '../cli.ts';
import type { CommandGroup } from '../main.ts';
import { type StopFn, listenForStop, stopAll } from './serve.ts';

/** Starts the outbox worker and the provisioning worker; their stop functions, provisioning first. */
export function startWorkers(ctx: Parameters<typeof startJobWorker>[0], cli: Cli): StopFn[] {
  const onError = (what: string) => (error: unknown) => cli.note(`${what}: ${describeError(error)}`);
  const stops: StopFn[] = [];
  const provisioning = startProvisioning(ctx, { onError: onError('provisioning') });
  if (provisioning) stops.push(() => provisioning.stop());
  const jobs = startJobWorker(ctx, { onError: onError('worker') });
  if (jobs) stops.push(jobs);
  return stops;
}

/** `muster worker`: the outbox and provisioning workers without the HTTP face, for scaling out on PostgreSQL. */
export const workerCommands: CommandGroup = (program, cli) => {
  program
    .command('worker')
    .description('run the outbox worker and the provisioning worker until SIGINT or SIGTERM (no HTTP)')
    .action(async (_options: unknown, command: Command) => {
      const ctx = await startMuster(cli.loadConfig(command, { workers: { enabled: true } }));
      const stopSignal = listenForStop(cli);
      const stops = startWorkers(ctx, cli);
      cli.print(command, { store: ctx.store.adapter, targets: Object.keys(ctx.config.targets) }, () => `muster worker running (store: ${ctx.store.adapter}; targets: ${Object.keys(ctx.config.targets).join(', ') || 'none'})`);
      try {
        cli.note(`${await stopSignal.stopped}: stopping`);
      } finally {
        await stopAll(cli, stops);
        await ctx.close();
        stopSignal.dispose();
      }
    });
};

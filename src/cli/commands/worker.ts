import type { Command } from 'commander';
import { createMetricsApp } from '../../http/metrics-app.ts';
import { serveHttp } from '../../http/serve.ts';
import type { Muster } from '../../runtime/context.ts';
import { startMuster } from '../../runtime/context.ts';
import { federationIssuer } from '../../federation/issuer.ts';
import { errorFields, processLogger } from '../../runtime/log.ts';
import { type Metrics, createMetrics } from '../../runtime/metrics.ts';
import { type Observability, observeProvisioning } from '../../runtime/observe.ts';
import { startProvisioning } from '../../runtime/provisioning.ts';
import { startJobWorker } from '../../runtime/workers.ts';
import { startSignalDelivery } from '../../runtime/ssf.ts';
import { logStoreAvailability, unlessStoreDown } from '../../runtime/store-watch.ts';
import { logSchedulerStates } from '../../runtime/scheduler-log.ts';
import type { CommandGroup } from '../main.ts';
import { integer } from './options.ts';
import { type StopFn, listenForStop, stopAll } from './serve.ts';

/** Starts the outbox worker, the provisioning worker and the shared-signals push worker, reporting to `obs`; their stop functions. */
export function startWorkers(ctx: Muster, obs: Observability): StopFn[] {
  const stops: StopFn[] = [];
  const observer = observeProvisioning(obs, ctx.clock);
  const provisioning = startProvisioning(ctx, { onError: unlessStoreDown(observer.onError), onOutcome: observer.onOutcome });
  if (provisioning) {
    observer.watch(provisioning.worker, Object.keys(ctx.config.targets));
    stops.push(() => provisioning.stop());
  }
  const outbox = obs.log.child({ worker: 'outbox' });
  const jobs = startJobWorker(ctx, { onError: unlessStoreDown((error) => outbox.error({ error: errorFields(error) }, 'outbox round failed')) });
  if (jobs) stops.push(jobs);
  const signals = ctx.config.workers.enabled
    ? startSignalDelivery(ctx, { onError: unlessStoreDown((error) => obs.log.error({ error: errorFields(error) }, 'shared-signals delivery round failed')) })
    : undefined;
  if (signals) stops.unshift(() => signals.stop());
  obs.log.info({ provisioning: provisioning !== undefined, outbox: jobs !== undefined, signals: signals !== undefined, targets: Object.keys(ctx.config.targets) }, 'workers started');
  return stops;
}

/** `/metrics` and `/health` of a headless worker on config.server.host; its stop function. */
async function serveWorkerMetrics(ctx: Muster, metrics: Metrics, obs: Observability, port: number): Promise<{ url: string; stop: StopFn }> {
  const { host } = ctx.config.server;
  const server = await serveHttp(createMetricsApp(ctx, metrics, obs.log), {
    host,
    port,
    name: 'metrics',
    limits: ctx.config.server.limits,
    onRefused: (name, reason) => metrics.countRefusedConnection(name, reason),
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.port}/metrics`;
  return { url, stop: () => server.close() };
}

/** `muster worker`: the outbox and provisioning workers without the HTTP face, for scaling out on PostgreSQL. */
export const workerCommands: CommandGroup = (program, cli) => {
  program
    .command('worker')
    .description('run the outbox worker and the provisioning worker until SIGINT or SIGTERM (no API; --metrics-port serves /metrics)')
    .option('--metrics-port <n>', 'serve /metrics and /health on this port of server.host (0 picks a free one)', integer('metrics-port'))
    .action(async (options: { metricsPort?: number }, command: Command) => {
      const config = cli.loadConfig(command, { workers: { enabled: true } });
      federationIssuer(config); // the SETs its jobs sign name the OP issuer: refused at start when it cannot be known
      const ctx = await startMuster(config);
      const obs = { log: processLogger(ctx.config, cli.io), metrics: createMetrics(ctx) };
      const stopSignal = listenForStop(cli);
      const stops: StopFn[] = [logStoreAvailability(ctx.store, obs.log), logSchedulerStates(ctx.scheduler, obs.log)];
      try {
        const served = options.metricsPort === undefined ? undefined : await serveWorkerMetrics(ctx, obs.metrics, obs, options.metricsPort);
        if (served) stops.push(served.stop);
        stops.unshift(...startWorkers(ctx, obs));
        const targets = Object.keys(ctx.config.targets);
        obs.log.info({ store: ctx.store.adapter, metrics: served?.url }, 'muster worker running');
        cli.print(
          command,
          { store: ctx.store.adapter, targets, metrics: served?.url ?? null },
          () => `muster worker running (store: ${ctx.store.adapter}; targets: ${targets.join(', ') || 'none'}${served ? `; metrics: ${served.url}` : ''})`,
        );
        const signal = await stopSignal.stopped;
        obs.log.info({ signal }, 'muster worker stopping');
        cli.note(`${signal}: stopping`);
      } finally {
        await stopAll(cli, stops);
        await ctx.close();
        stopSignal.dispose();
        obs.log.info('muster worker stopped');
      }
    });
};

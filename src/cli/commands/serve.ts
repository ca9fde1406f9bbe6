import type { Command } from 'commander';
import { ActivationService } from '../../governance/index.ts';
import { createHttpApp } from '../../http/app.ts';
import { createPkiApp } from '../../http/pki-app.ts';
import type { RouteModule } from '../../http/env.ts';
import { logOidcServerError, logRawRequests, logServerError } from '../../http/request-log.ts';
import { type RunningServer, type ServeOptions, serveHttp } from '../../http/serve.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { type Logger, errorFields, processLogger } from '../../runtime/log.ts';
import { type Metrics, createMetrics } from '../../runtime/metrics.ts';
import { type PkiServing, startPkiServing } from '../../runtime/pki-serving.ts';
import { startOcspWorkers } from '../../runtime/ocsp-workers.ts';
import { logStoreAvailability } from '../../runtime/store-watch.ts';
import { logSchedulerStates } from '../../runtime/scheduler-log.ts';
import { PKI_PATHS, pkiBaseUrl } from '../../runtime/pki.ts';
import { discoveryDocument, startFederation } from '../../runtime/federation.ts';
import { foreignAnchors, foreignIntermediates } from '../../runtime/foreign-certificates.ts';
import { mainListenerTls } from '../../runtime/tls-server.ts';
import { federationIssuer, issuerBoundTo } from '../../federation/issuer.ts';
import type { MusterConfig } from '../../config/schema.ts';
import { MusterError } from '../../core/errors.ts';
import { federationRecordRoutes } from '../../http/routes/federation-record.ts';
import { signInPages } from '../../http/sign-in/index.ts';
import type { RawListener } from '../../protocols/oidc/listener.ts';
import { type ConsoleSetup, consoleUnavailable, startConsole } from '../../runtime/console.ts';
import { consoleApp } from '../../web/index.ts';
import type { Cli } from '../cli.ts';
import type { CliIo } from '../io.ts';
import type { CommandGroup } from '../main.ts';
import { integer } from './options.ts';

export type StopFn = () => Promise<void> | void;

export interface ServeReadyInfo {
  /** The parsed options of `serve`, including any added by `configure` (e.g. `demo`). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly cli: Cli;
  readonly command: Command;
  /** The process's JSON logger (stderr). */
  readonly log: Logger;
  /** The process's metrics, served at `/metrics`; workers started in onReady feed them. */
  readonly metrics: Metrics;
}

export interface ServeHooks {
  /** Adds options to the `serve` command (e.g. `--demo`); read them from `info.options` in onReady. */
  configure?(command: Command): void;
  /** Route modules mounted beside the built-in ones. */
  readonly routes?: readonly RouteModule[];
  /** After muster has started (store open and migrated), before the server listens: seed data, start workers. May return a stop function run at shutdown. */
  onReady?(ctx: Muster, info: ServeReadyInfo): Promise<StopFn | void> | StopFn | void;
  /** After the server listens, answers and its URL is printed: start workers here, so they do not slow the start. May return a stop function run at shutdown. */
  onListening?(server: RunningServer, ctx: Muster, info: ServeReadyInfo): Promise<StopFn | void> | StopFn | void;
}

/** `muster serve`: start, migrate, serve until SIGINT or SIGTERM, then stop cleanly. */
export function serveCommand(hooks: ServeHooks = {}): CommandGroup {
  return (program, cli) => {
    const serve = program
      .command('serve')
      .description('run the HTTP API (store opened and migrated first); --data-dir DIR and DATABASE_URL choose the store')
      .option('--port <n>', 'port to listen on (default 8080; 0 picks a free one)', integer('port'))
      .option('--host <host>', 'address to listen on (default 127.0.0.1)')
      .option('--mtls-port <n>', 'port of the mutual-TLS sign-in listener (default 8443; 0 picks a free one)', integer('mtls-port'))
      .option('--ocsp-workers <n>', 'serve the PKI listener (pki.listen: OCSP, CRLs) from N threads sharing its port (SO_REUSEPORT)', integer('ocsp-workers'));
    hooks.configure?.(serve);
    serve.action((options: Record<string, unknown>, command: Command) => runServe(cli, command, options, hooks));
  };
}

async function runServe(cli: Cli, command: Command, options: Record<string, unknown>, hooks: ServeHooks): Promise<void> {
  // --port and --host move the listener, not the CRL and OCSP URLs: those stay what the configuration gives every command
  const configured = cli.loadConfig(command);
  const pkiBase = pkiBaseUrl(configured);
  const config = cli.loadConfig(command, { server: { port: options.port, host: options.host }, federation: { mtls: { port: options.mtlsPort } }, pki: { baseUrl: pkiBase } });
  checkIssuerFlags(cli, command, config);
  const ocspWorkers = ocspWorkerCount(options, config);
  const ctx = await startMuster(config, { checkKeysLater: true });
  const log = processLogger(config, cli.io);
  const metrics = createMetrics(ctx);
  const stops: StopFn[] = [logStoreAvailability(ctx.store, log), logSchedulerStates(ctx.scheduler, log)];
  const stopSignal = listenForStop(cli);
  try {
    const info: ServeReadyInfo = { options, cli, command, log, metrics };
    const stop = await hooks.onReady?.(ctx, info);
    if (stop) stops.push(stop);
    const issuerNow = () => federationIssuer(config);
    const records = federationRecordRoutes({ issuer: issuerNow, discovery: () => discoveryDocument(issuerNow()) });
    let consoleSetup: ConsoleSetup | undefined;
    const activation = new ActivationService({ store: ctx.store, audit: ctx.audit, clock: ctx.clock, config });
    const consolePages = consoleApp({
      setup: () => consoleSetup,
      muster: ctx,
      store: ctx.store,
      clock: ctx.clock,
      agencyCode: config.agency.code,
      activation: () => activation,
      onError: (error) => logServerError(log)(error, 'console'),
    });
    const console: RouteModule = (app) => void app.route('/', consolePages);
    const app = createHttpApp(ctx, [...(hooks.routes ?? []), records, console], { onServerError: logServerError(log), log, metrics });
    const pki = await startPkiServing(ctx);
    stops.push(() => pki.stop());
    let op: RawListener = () => false;
    // the port is bound before the OP can be built (its issuer may name the port); until everything is up, every
    // request, /health included, is answered 503 so that nothing sees a half-started muster
    let ready = false;
    const starting: RawListener = (_req, res) => {
      if (ready) return false;
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', 'cache-control': 'no-store' }).end('{"status":"starting"}');
      return true;
    };
    const tls = await mainListenerTls(config);
    const bounds = { limits: config.server.limits, onRefused: (name: string, reason: string) => metrics.countRefusedConnection(name, reason) };
    const pkiServer = await servePkiListener(ctx, log, pki, bounds, ocspWorkers);
    if (pkiServer) stops.unshift(() => pkiServer.close());
    const ownPki = pkiServer ? [] : [pki.listener];
    const server = await serveHttp(app, {
      host: config.server.host,
      port: config.server.port,
      before: [starting, ...ownPki, logRawRequests(log, (req, res) => op(req, res))],
      trustedProxies: config.server.trustedProxies,
      ...(tls ? { tls } : {}),
      ...bounds,
    });
    stops.unshift(() => server.close());
    issuerBoundTo(config, server.port);
    const issuer = issuerNow();
    const onError = (error: unknown) => log.error({ error: errorFields(error) }, 'openid provider failed');
    const foreign = { foreignAnchors: await foreignAnchors(config), foreignIntermediates: await foreignIntermediates(config) };
    const interactions = signInPages({ store: ctx.store, clock: ctx.clock, audit: ctx.audit, config, issuer, ca: () => ctx.ca(), ...foreign, onError });
    const federation = await startFederation(ctx, { issuer, interactions, onError, onServerError: logOidcServerError(log), ...foreign, onConnectionRefused: bounds.onRefused });
    op = federation.listener;
    const noConsole = consoleUnavailable(issuer);
    if (noConsole) log.warn({ issuer }, noConsole);
    else consoleSetup = await startConsole(ctx, issuer);
    await ctx.keysChecked;
    ready = true;
    stops.push(() => federation.close());
    const url = `${tls ? 'https' : 'http'}://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${server.port}`;
    log.info({ url, issuer, mtls: federation.mtls.origin, store: ctx.store.adapter, ...(pkiServer ? { pki: `${pkiServer.host}:${pkiServer.port}` } : {}) }, 'muster serve listening');
    const pkiUrl = pkiServer ? `http://${pkiServer.host.includes(':') ? `[${pkiServer.host}]` : pkiServer.host}:${pkiServer.port}` : url;
    if (configured.pki.baseUrl === undefined && pkiBase !== pkiUrl)
      log.warn(
        { pkiBaseUrl: pkiBase, url: pkiUrl },
        'pki.baseUrl is unset: certificates name CRL and OCSP URLs under the configured address, not this listener; set pki.baseUrl (MUSTER_PKI_BASE_URL)',
      );
    cli.print(
      command,
      { url, host: config.server.host, port: server.port, store: ctx.store.adapter, issuer, mtls: federation.mtls.origin },
      () => `muster listening on ${url} (store: ${ctx.store.adapter}); OpenID Provider ${issuer}, mutual TLS ${federation.mtls.origin}`,
    );
    const stopListening = await hooks.onListening?.(server, ctx, info);
    // stopped right after the listeners close, as a stop function of onReady is
    if (stopListening) stops.splice(pkiServer ? 2 : 1, 0, stopListening);
    const signal = await stopSignal.stopped;
    log.info({ signal }, 'muster serve stopping');
    cli.note(`${signal}: stopping`);
  } finally {
    await stopAll(cli, stops);
    await ctx.close();
    stopSignal.dispose();
    log.info('muster serve stopped');
  }
}

/**
 * OCSP and the CRLs on a listener of their own when pki.listen is set, so that a flood on the API never stops revocation
 * checking; with --ocsp-workers N, served by N threads sharing its port.
 */
async function servePkiListener(ctx: Muster, log: Logger, pki: PkiServing, bounds: Pick<ServeOptions, 'limits' | 'onRefused'>, workers: number): Promise<RunningServer | undefined> {
  const listen = ctx.config.pki.listen;
  if (!listen) return undefined;
  const app = createPkiApp(ctx, log);
  if (workers === 0) return serveHttp(app, { host: listen.host, port: listen.port, before: [pki.listener], name: 'pki', portKey: 'pki.listen.port', ...bounds });
  return startOcspWorkers({
    count: workers,
    host: listen.host,
    port: listen.port,
    path: PKI_PATHS.ocsp,
    limits: bounds.limits ?? ctx.config.server.limits,
    cacheEntries: ctx.config.pki.ocspRequestCacheEntries,
    responder: () => pki.responder,
    fetch: (request) => app.fetch(request),
    ...(bounds.onRefused ? { onRefused: bounds.onRefused } : {}),
    onError: (error) => log.error({ error: errorFields(error) }, 'OCSP worker failed'),
    scheduler: ctx.scheduler,
  });
}

/** --ocsp-workers: 0 (the main thread serves) unless given; it needs pki.listen, and is at most 64. */
function ocspWorkerCount(options: Record<string, unknown>, config: MusterConfig): number {
  const count = (options.ocspWorkers as number | undefined) ?? 0;
  if (count > 64) throw new MusterError('MUSTER_ERR_CONFIG', `--ocsp-workers ${count}: at most 64`, [{ key: 'ocsp-workers', value: String(count), message: 'at most 64' }]);
  if (count > 0 && !config.pki.listen)
    throw new MusterError('MUSTER_ERR_CONFIG', '--ocsp-workers needs the PKI listener of its own: set pki.listen', [{ key: 'pki.listen', message: 'required by --ocsp-workers' }]);
  return count;
}

/**
 * The OP issuer is one configuration value, the same for every muster command that signs (the other commands do not
 * see serve's flags). When `--port` or `--host` would move the issuer the configuration gives (no
 * `federation.oidc.issuer` set), serve refuses; `--port 0` is let through with a notice, for trials and tests: its
 * issuer names the port picked, which only this process knows.
 */
function checkIssuerFlags(cli: Cli, command: Command, config: MusterConfig): void {
  const configured = cli.loadConfig(command).federation.oidc.issuer;
  const served = config.federation.oidc.issuer;
  if (configured === undefined || served === configured) return;
  if (served === undefined) {
    cli.note(`--port 0: the OP issuer names the port picked; other muster commands name ${configured} in what they sign unless federation.oidc.issuer (MUSTER_ISSUER) is set`);
    return;
  }
  throw new MusterError(
    'MUSTER_ERR_CONFIG',
    `--port/--host would make the OP issuer ${served}, but other muster commands name ${configured} in the tokens and SETs they sign: set server.port/server.host (MUSTER_PORT, MUSTER_HOST) or federation.oidc.issuer (MUSTER_ISSUER) in the configuration instead`,
    [{ key: 'federation.oidc.issuer', value: served, message: `differs from the configured ${configured}` }],
  );
}

/** In order (the server first), each even if an earlier one failed; failures are reported, not thrown over the cause of the stop. */
export async function stopAll(cli: Cli, stops: readonly StopFn[]): Promise<void> {
  for (const stop of stops) {
    try {
      await stop();
    } catch (error) {
      cli.note(`error while stopping: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Resolves on the first SIGINT/SIGTERM (or the io's abort signal); later signals are absorbed until dispose, so shutdown is not cut short. */
export function listenForStop(cli: Cli): { stopped: Promise<string>; dispose(): void } {
  const io: CliIo = cli.io;
  let stopping = false;
  let resolveStop: (reason: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (resolveStop = resolve));
  const onSignal = (signal: string) => {
    if (stopping) cli.note(`${signal}: already stopping`);
    stopping = true;
    resolveStop(signal);
  };
  const onAbort = () => onSignal('abort');
  const handle = io.handleSignals !== false;
  if (handle) for (const s of SIGNALS) process.on(s, onSignal);
  if (io.signal?.aborted) onAbort();
  io.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    stopped,
    dispose() {
      if (handle) for (const s of SIGNALS) process.off(s, onSignal);
      io.signal?.removeEventListener('abort', onAbort);
    },
  };
}

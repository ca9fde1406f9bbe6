import { OpenAPIHono } from '@hono/zod-openapi';
import pkg from '../../package.json' with { type: 'json' };
import type { Muster } from '../runtime/context.ts';
import type { Logger } from '../runtime/log.ts';
import type { Metrics } from '../runtime/metrics.ts';
import { requireToken } from './auth.ts';
import { correlation } from './correlation.ts';
import type { Env, MusterApp, RouteModule } from './env.ts';
import { type ServerErrorListener, errorHandler, notFoundHandler, validationHook } from './errors.ts';
import { BEARER_SCHEME } from './route.ts';
import { auditRoutes } from './routes/audit.ts';
import { healthRoutes } from './routes/health.ts';
import { holdRoutes } from './routes/holds.ts';
import { pendingActionRoutes } from './routes/pending-actions.ts';
import { issuanceRecordRoutes } from './routes/issuance-records.ts';
import { reportRoutes } from './routes/reports.ts';
import { governanceRoutes } from './routes/governance.ts';
import { traceRoutes } from './routes/trace.ts';
import { identityRoutes } from './routes/identities.ts';
import { evidenceRoutes } from './routes/evidence.ts';
import { disputeRoutes } from './routes/disputes.ts';
import { importRoutes } from './routes/imports.ts';
import { sourceEventRoutes } from './routes/source-events.ts';
import { sourceRoutes } from './routes/sources.ts';
import { cardRoutes } from './routes/cards.ts';
import { derivedRoutes } from './routes/derived.ts';
import { exceptionRoutes } from './routes/exceptions.ts';
import { pkiRoutes } from './routes/pki.ts';
import { ticketRoutes } from './routes/tickets.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { rateLimit } from './rate-limit.ts';
import { requestLog } from './request-log.ts';
import { jsonBodyLimit, refuseNulCharacters } from './request-limits.ts';
import { policyRoutes } from './routes/policies.ts';
import { catalogueRoutes } from './routes/catalogue.ts';
import { accessRequestRoutes } from './routes/access-requests.ts';
import { outboxRoutes, provisioningRoutes } from './routes/provisioning.ts';
import { reconciliationRoutes } from './routes/reconciliation.ts';
import { ssfRoutes } from './routes/ssf.ts';
import { rpProvisioningRoutes } from './routes/rp-provisioning.ts';
import { agreementRoutes } from './routes/agreements.ts';

export interface HttpOptions {
  /** Told about every 5xx (the response hides the message); the CLI writes these to stderr. */
  readonly onServerError?: ServerErrorListener;
  /** One JSON line per request (muster serve). */
  readonly log?: Logger;
  /** Served at `GET /metrics`, outside `/api` (muster serve). */
  readonly metrics?: Metrics;
}

export const OPENAPI_PATH = '/openapi.json';
/** Where the rate limits per address and per token apply (the OP's token, PAR and registration endpoints have their own). */
const RATE_LIMITED_PATHS = ['/api/*', '/ssf/*', '/hooks/*', '/console', '/console/*'] as const;
const BUILT_IN: readonly RouteModule[] = [
  healthRoutes,
  holdRoutes,
  identityRoutes,
  issuanceRecordRoutes,
  sourceRoutes,
  sourceEventRoutes,
  importRoutes,
  disputeRoutes,
  auditRoutes,
  pkiRoutes,
  cardRoutes,
  derivedRoutes,
  exceptionRoutes,
  policyRoutes,
  provisioningRoutes,
  outboxRoutes,
  ticketRoutes,
  reconciliationRoutes,
  agreementRoutes,
  pendingActionRoutes,
  rpProvisioningRoutes,
  ssfRoutes,
  evidenceRoutes,
  traceRoutes,
  reportRoutes,
  governanceRoutes,
  catalogueRoutes,
  accessRequestRoutes,
];

/**
 * The muster HTTP app: correlation ids, bearer authentication on `/api/*`, one error shape, and the
 * OpenAPI 3.1 document generated from the route definitions. `extraRoutes` are mounted after the
 * built-in ones, through the same middleware.
 */
export function createHttpApp(ctx: Muster, extraRoutes: readonly RouteModule[] = [], options: HttpOptions = {}): MusterApp {
  const app = new OpenAPIHono<Env>({ defaultHook: validationHook });
  app.use('*', correlation);
  if (options.log) app.use('*', requestLog(options.log));
  const limited = rateLimit({ limiter: ctx.rateLimiter, clock: ctx.clock });
  for (const path of RATE_LIMITED_PATHS) app.use(path, limited);
  app.use('/api/*', requireToken(ctx));
  app.use('/api/*', jsonBodyLimit(ctx.config.server.maxJsonBytes), refuseNulCharacters);
  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: "An operator's API token (`muster token create`); each operation names the operator roles that may call it",
  });
  const own = options.metrics ? [metricsRoutes(options.metrics)] : [];
  for (const mount of [...BUILT_IN, ...own, ...extraRoutes]) mount(app, ctx);
  app.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: { title: 'muster admin API', version: pkg.version, description: `${ctx.config.agency.name} (${ctx.config.agency.code})` },
  });
  app.onError(errorHandler(options.onServerError));
  app.notFound(notFoundHandler);
  return app;
}

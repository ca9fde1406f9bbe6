import { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from '../runtime/log.ts';
import type { Metrics } from '../runtime/metrics.ts';
import type { Muster } from '../runtime/context.ts';
import { correlation } from './correlation.ts';
import type { Env, MusterApp } from './env.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { logServerError, requestLog } from './request-log.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';

/** The little app of `muster worker --metrics-port`: `/metrics` and `/health`, nothing else. */
export function createMetricsApp(ctx: Muster, metrics: Metrics, log: Logger): MusterApp {
  const app = new OpenAPIHono<Env>();
  app.use('*', correlation);
  app.use('*', requestLog(log));
  healthRoutes(app, ctx);
  metricsRoutes(metrics)(app, ctx);
  app.onError(errorHandler(logServerError(log)));
  app.notFound(notFoundHandler);
  return app;
}

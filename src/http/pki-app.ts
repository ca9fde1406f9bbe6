import { OpenAPIHono } from '@hono/zod-openapi';
import type { Muster } from '../runtime/context.ts';
import type { Logger } from '../runtime/log.ts';
import { correlation } from './correlation.ts';
import type { Env, MusterApp } from './env.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { logServerError, requestLog } from './request-log.ts';
import { healthRoutes } from './routes/health.ts';
import { pkiRoutes } from './routes/pki.ts';

/**
 * The app of the PKI listener (pki.listen): the CA certificates, the CRLs and `/health`, nothing of the admin API
 * (its `/api` routes answer 404 here). OCSP is the raw listener in front of it.
 */
export function createPkiApp(ctx: Muster, log?: Logger): MusterApp {
  const app = new OpenAPIHono<Env>();
  app.use('*', correlation);
  if (log) app.use('*', requestLog(log));
  app.use('/api/*', (c) => notFoundHandler(c));
  healthRoutes(app, ctx);
  pkiRoutes(app, ctx);
  app.onError(errorHandler(log ? logServerError(log) : undefined));
  app.notFound(notFoundHandler);
  return app;
}

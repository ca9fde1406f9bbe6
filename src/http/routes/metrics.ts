import { z } from '@hono/zod-openapi';
import type { Metrics } from '../../runtime/metrics.ts';
import type { RouteModule } from '../env.ts';
import { metricsAccess } from '../metrics-access.ts';
import { publicRoute } from '../route.ts';
import { ERROR_RESPONSES } from '../schemas.ts';

/** `GET /metrics` outside `/api`: loopback callers by default, or auditor tokens (`admin.metrics`); the text names only targets, kinds and counts. */
export function metricsRoutes(metrics: Metrics): RouteModule {
  return (app, ctx) => {
    const route = publicRoute({
      method: 'get',
      path: '/metrics',
      tags: ['service'],
      summary: 'Prometheus metrics: queues, lag, outcomes, circuits, events and the process (callers on this machine, or an auditor token; no personal data)',
      middleware: metricsAccess(ctx),
      responses: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } }, 401: ERROR_RESPONSES[401], 403: ERROR_RESPONSES[403] },
    });
    app.openapi(route, async (c) => c.text(await metrics.text(), 200, { 'content-type': metrics.contentType }));
  };
}

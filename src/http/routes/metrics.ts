import { z } from '@hono/zod-openapi';
import type { Metrics } from '../../runtime/metrics.ts';
import type { RouteModule } from '../env.ts';
import { publicRoute } from '../route.ts';

const metricsRoute = publicRoute({
  method: 'get',
  path: '/metrics',
  tags: ['service'],
  summary: 'Prometheus metrics: queues, lag, outcomes, circuits, events and the process (no token; no personal data)',
  responses: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } } },
});

/** `GET /metrics` outside `/api`: a scraper holds no token, and the text names only targets, kinds and counts. */
export function metricsRoutes(metrics: Metrics): RouteModule {
  return (app) => {
    app.openapi(metricsRoute, async (c) => c.text(await metrics.text(), 200, { 'content-type': metrics.contentType }));
  };
}

import { z } from '@hono/zod-openapi';
import type { RouteModule } from '../env.ts';
import { publicRoute } from '../route.ts';

const health = publicRoute({
  method: 'get',
  path: '/health',
  tags: ['service'],
  summary: 'Liveness: the process answers',
  responses: { 200: { description: 'Alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});

export const healthRoutes: RouteModule = (app) => {
  app.openapi(health, (c) => c.json({ status: 'ok' as const }, 200));
};

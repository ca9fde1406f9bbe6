import { z } from '@hono/zod-openapi';
import type { RouteModule } from '../env.ts';
import { publicRoute } from '../route.ts';

/** How long /health waits for the store's `SELECT 1`. */
export const HEALTH_STORE_TIMEOUT_MS = 2000;

const health = publicRoute({
  method: 'get',
  path: '/health',
  tags: ['service'],
  summary: 'Health: the process answers and its store answers a SELECT 1 within two seconds',
  responses: {
    200: { description: 'Alive, store available', content: { 'application/json': { schema: z.object({ status: z.literal('ok'), store: z.literal('available') }) } } },
    503: { description: 'Alive, but the store does not answer', content: { 'application/json': { schema: z.object({ status: z.literal('unavailable'), store: z.literal('unavailable') }) } } },
  },
});

export const healthRoutes: RouteModule = (app, ctx) => {
  app.openapi(health, async (c) => {
    const up = await ctx.store.ping(HEALTH_STORE_TIMEOUT_MS).then(
      () => true,
      () => false,
    );
    return up ? c.json({ status: 'ok' as const, store: 'available' as const }, 200) : c.json({ status: 'unavailable' as const, store: 'unavailable' as const }, 503);
  });
};

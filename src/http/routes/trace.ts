import { z } from '@hono/zod-openapi';
import { traceEvent, traceIdentity } from '../../audit/trace/build.ts';
import type { RouteModule } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse as json } from '../schemas.ts';
import { EventTraceBody } from './trace-schemas.ts';

const byEvent = apiRoute({
  method: 'get',
  path: '/api/trace/{eventId}',
  roles: ['auditor', 'security-officer', 'provisioning-admin'],
  tags: ['audit'],
  summary: 'The causal tree of a domain event: its origin, jobs, target operations, revocations, signals, tickets, session ends and audit entries',
  request: { params: z.object({ eventId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({ description: 'the domain event id' }) }) },
  responses: { 200: json(EventTraceBody, 'The tree'), 404: ERROR_RESPONSES[404] },
});

const byIdentity = apiRoute({
  method: 'get',
  path: '/api/trace',
  roles: ['auditor', 'security-officer', 'provisioning-admin'],
  tags: ['audit'],
  summary: 'The domain events of an identity since a time, oldest first, each with its causal tree',
  request: { query: z.strictObject({ identity: Uuid, since: z.iso.datetime({ offset: true }).openapi({ description: 'ISO 8601 time' }) }) },
  responses: { 200: json(z.object({ items: z.array(EventTraceBody) }), 'The trees') },
});

export const traceRoutes: RouteModule = (app, ctx) => {
  app.openapi(byEvent, async (c) => c.json(await traceEvent(ctx.store, c.req.valid('param').eventId), 200));
  app.openapi(byIdentity, async (c) => {
    const { identity, since } = c.req.valid('query');
    return c.json({ items: await traceIdentity(ctx.store, identity, new Date(since)) }, 200);
  });
};

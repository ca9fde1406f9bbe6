import { z } from '@hono/zod-openapi';
import { type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, queryInt } from '../schemas.ts';
import { Dispute, Outcome, json, plain } from './import-schemas.ts';

const list = apiRoute({
  method: 'get',
  path: '/api/disputes',
  roles: ['registrar', 'auditor'],
  tags: ['disputes'],
  summary: 'Disputed correlation cases: records that matched several identities, or one below the confidence threshold',
  request: { query: z.object({ status: z.enum(['open', 'resolved']).optional(), limit: queryInt(1, 1000).default(100) }).strict() },
  responses: { 200: json(z.object({ items: z.array(Dispute) }), 'Cases, oldest first') },
});

const show = apiRoute({
  method: 'get',
  path: '/api/disputes/{id}',
  roles: ['registrar', 'auditor'],
  tags: ['disputes'],
  summary: 'One disputed case with its record and candidates',
  request: { params: z.object({ id: Uuid }) },
  responses: { 200: json(z.object({ dispute: Dispute }), 'The case'), 404: ERROR_RESPONSES[404] },
});

const resolve = apiRoute({
  method: 'post',
  path: '/api/disputes/{id}/resolve',
  roles: ['registrar'],
  tags: ['disputes'],
  summary: "Resolve a case: link the record to one candidate identity, or 'new' for a new identity",
  request: {
    params: z.object({ id: Uuid }),
    body: {
      content: {
        'application/json': { schema: z.object({ choice: z.string().min(1).openapi({ description: "a candidate's identity id, or 'new'" }), reason: z.string().min(1).max(1000) }).strict() },
      },
      required: true,
    },
  },
  responses: { 200: json(Outcome.extend({ dispute: Dispute }), 'Resolved'), 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
});

export const disputeRoutes: RouteModule = (app, ctx) => {
  app.openapi(list, async (c) => c.json({ items: plain(await ctx.disputes.list(c.req.valid('query'))) }, 200));
  app.openapi(show, async (c) => c.json({ dispute: plain(await ctx.disputes.get(c.req.valid('param').id)) }, 200));
  app.openapi(resolve, async (c) => {
    const { choice, reason } = c.req.valid('json');
    const result = await ctx.disputes.resolve(c.req.valid('param').id, choice, reason, principalOf(c).actor, correlationIdOf(c));
    return c.json(plain(result), 200);
  });
};

/** The routes the command line acts as (it asks for the roles they name). */
export { resolve as disputeResolveRoute };

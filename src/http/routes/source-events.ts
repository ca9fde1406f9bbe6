import { z } from '@hono/zod-openapi';
import { type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES } from '../schemas.ts';
import { Outcome, json, plain } from './import-schemas.ts';

const post = apiRoute({
  method: 'post',
  path: '/api/sources/{source}/events',
  tags: ['sources'],
  summary: 'One event from an authoritative source (a joiner, mover, leaver, leave, return or rehire)',
  description: 'The record uses the source\'s column names. For an identity already linked, only the fields sent are changed; a new identity needs every required field. A field the source is not authoritative for refuses the whole event (403, audited).',
  request: {
    params: z.object({ source: z.string().min(1).max(32) }),
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              type: z.enum(['joiner', 'mover', 'leaver', 'leave', 'return', 'rehire', 'update']).optional(),
              record: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
            })
            .strict(),
        },
      },
      required: true,
    },
  },
  responses: { 200: json(Outcome, 'Applied: the events it caused'), 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
});

export const sourceEventRoutes: RouteModule = (app, ctx) => {
  app.openapi(post, async (c) => {
    const outcome = await ctx.sourceEvents.apply(c.req.valid('param').source, c.req.valid('json'), principalOf(c).actor, correlationIdOf(c));
    return c.json(plain(outcome), 200);
  });
};

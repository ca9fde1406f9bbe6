import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import type { MusterError } from '../../core/errors.ts';
import type { SourceEventService } from '../../sources/events.ts';
import { type Env, type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { validationError } from '../errors.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES } from '../schemas.ts';
import { Outcome, json, plain } from './import-schemas.ts';

const post = apiRoute({
  method: 'post',
  path: '/api/sources/{source}/events',
  roles: ['source-feed:{source}'],
  tags: ['sources'],
  summary: 'One event from an authoritative source (a joiner, mover, leaver, leave, return or rehire)',
  description:
    "The record uses the source's column names; an unknown field refuses the event, naming it. For an identity already linked, only the fields sent are changed; a new identity needs every required field. " +
    'effectiveAt (ISO 8601 with its offset) is when the change took effect: a field the MUR holds newer values for (an attribute set later, or a status move after it) is not applied and is listed as superseded, so a late mover does not bring back a leaver. ' +
    'An event that changes nothing (a duplicate) is acknowledged with changed: false. A field the source is not authoritative for refuses the whole event (403). Every refusal is audited (source.refused), at most 20 a minute per source; the rest are counted into the next entry.',
  request: {
    params: z.object({ source: z.string().min(1).max(32) }),
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              type: z.enum(['joiner', 'mover', 'leaver', 'leave', 'return', 'rehire', 'update', 'suspension']).optional(),
              effectiveAt: z
                .string()
                .max(40)
                .openapi({ description: 'When the change took effect at the source: ISO 8601 with its UTC offset (Z or ±hh:mm), not in the future', example: '2026-03-02T09:00:00-05:00' }),
              record: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
            })
            .strict(),
        },
      },
      required: true,
    },
  },
  responses: {
    200: json(
      Outcome.extend({
        changed: z.boolean(),
        superseded: z.array(z.string()),
        message: z.string(),
        held: z.boolean().openapi({ description: 'the identity is under a hold: it stays suspended, the status asked for waits for the release' }),
      }),
      'Applied (the events it caused), or acknowledged with changed: false',
    ),
    403: ERROR_RESPONSES[403],
    404: ERROR_RESPONSES[404],
    409: ERROR_RESPONSES[409],
  },
});

export const sourceEventRoutes: RouteModule = (app, ctx) => {
  app.openapi(
    post,
    async (c) => {
      const outcome = await ctx.sourceEvents.apply(c.req.valid('param').source, c.req.valid('json'), principalOf(c).actor, correlationIdOf(c));
      return c.json(plain(outcome), 200);
    },
    // a malformed event is refused here, before the service: it is audited all the same
    (result, c) => {
      if (result.success) return;
      return refuseMalformed(ctx.sourceEvents, c, validationError(result.error as ZodError, result.target));
    },
  );
};

async function refuseMalformed(events: SourceEventService, c: Context<Env>, error: MusterError): Promise<never> {
  const body: unknown = await c.req.json().catch(() => null);
  await events.auditRefusal(c.req.param('source') ?? '', body, error, principalOf(c).actor, correlationIdOf(c));
  throw error;
}

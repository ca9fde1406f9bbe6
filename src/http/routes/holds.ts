import { z } from '@hono/zod-openapi';
import { listActiveHolds, placeHold, releaseHold } from '../../lifecycle/holds.ts';
import { type RouteModule, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse as json } from '../schemas.ts';
import { Hold } from './identity-schemas.ts';

const Reason = z.object({ reason: z.string().trim().min(1).max(1000) }).strict();
const body = { content: { 'application/json': { schema: Reason } }, required: true };
const params = z.object({ id: Uuid });

const list = apiRoute({
  method: 'get',
  path: '/api/identities/holds',
  roles: ['security-officer', 'helpdesk', 'auditor'],
  tags: ['identities'],
  summary: 'Active holds, oldest first',
  responses: { 200: json(z.object({ items: z.array(Hold) }), 'The active holds') },
});

const place = apiRoute({
  method: 'post',
  path: '/api/identities/{id}/holds',
  roles: ['security-officer'],
  tags: ['identities'],
  summary: 'Hold an identity: suspended now (identity.suspended, urgent jobs), and no source can lift it until another actor releases it (audited)',
  request: { params, body },
  responses: { 201: json(z.object({ hold: Hold }), 'The hold placed'), 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
});

const release = apiRoute({
  method: 'post',
  path: '/api/identities/{id}/holds/release',
  roles: ['security-officer'],
  tags: ['identities'],
  summary: 'Release the hold of an identity: back to the status its source asks for; refused (403, audited) to the actor who placed it',
  request: { params, body },
  responses: { 200: json(z.object({ hold: Hold }), 'The hold released'), 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
});

export const holdRoutes: RouteModule = (app, ctx) => {
  app.openapi(list, async (c) => c.json({ items: await listActiveHolds(ctx.store) }, 200));
  app.openapi(place, async (c) => c.json({ hold: await placeHold(ctx.store, ctx, c.req.valid('param').id, c.req.valid('json').reason, principalOf(c).actor) }, 201));
  app.openapi(release, async (c) => c.json({ hold: await releaseHold(ctx.store, ctx, c.req.valid('param').id, c.req.valid('json').reason, principalOf(c).actor) }, 200));
};

/** The routes the command line acts as (it asks for the roles they name). */
export { place as holdPlaceRoute, release as holdReleaseRoute };

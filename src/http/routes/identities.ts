import { identityView, listIdentities } from '../../mur/identity-repository.ts';
import type { RouteModule } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, jsonResponse as json } from '../schemas.ts';
import { IdentityListQuery, IdentityPage, IdentityParams, IdentityView } from './identity-schemas.ts';

const list = apiRoute({
  method: 'get',
  path: '/api/identities',
  roles: ['registrar', 'sponsor', 'adjudicator', 'issuer', 'helpdesk', 'security-officer', 'auditor'],
  tags: ['identities'],
  summary: 'List identities of the Master User Record',
  request: { query: IdentityListQuery },
  responses: { 200: json(IdentityPage, 'A page of identity summaries, in id order') },
});

const show = apiRoute({
  method: 'get',
  path: '/api/identities/{id}',
  roles: ['registrar', 'sponsor', 'adjudicator', 'issuer', 'helpdesk', 'security-officer', 'auditor'],
  tags: ['identities'],
  summary: 'The single view of one identity, every attribute with its provenance',
  request: { params: IdentityParams },
  responses: { 200: json(IdentityView, 'The identity'), 404: ERROR_RESPONSES[404] },
});

export const identityRoutes: RouteModule = (app, ctx) => {
  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const today = ctx.clock.now().toISOString().slice(0, 10);
    return c.json(await listIdentities(ctx.store, { ...query, privileged: query.privileged === 'true', today }), 200);
  });
  app.openapi(show, async (c) => c.json(await identityView(ctx.store, c.req.valid('param').id), 200));
};

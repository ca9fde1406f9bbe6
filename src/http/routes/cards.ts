import { z } from '@hono/zod-openapi';
import { getCredential, listCredentials } from '../../credentials/queries.ts';
import { type MusterContext, type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { type RouteRoles, apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse } from '../schemas.ts';
import { plain } from './import-schemas.ts';
import { CardRequest, Credential, IssuedCard, Reason, ReissueCard, TerminateCard, UpdateCard } from './credential-schemas.ts';

const body = <S extends z.ZodType>(schema: S) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const STATE_ERRORS = { 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] };
const by = (c: MusterContext) => ({ actor: principalOf(c).actor, correlationId: correlationIdOf(c) });

const issue = apiRoute({
  method: 'post',
  path: '/api/cards',
  roles: ['issuer'],
  tags: ['cards'],
  summary:
    'Issue a PIV card (state issued): active person, TRUST favorable or interim, recorded IAL3 proofing and sponsorship, sponsor, registrar and issuer three people none the applicant (else 403, audited), expiry ≤ 6 years',
  request: body(CardRequest),
  responses: {
    201: jsonResponse(z.object({ card: IssuedCard }), 'Issued, with its PIV Authentication and Card Authentication certificates'),
    422: ERROR_RESPONSES[422],
    404: ERROR_RESPONSES[404],
    403: ERROR_RESPONSES[403],
  },
});
const show = apiRoute({
  method: 'get',
  path: '/api/credentials/{id}',
  roles: ['issuer', 'helpdesk', 'security-officer', 'auditor'],
  tags: ['cards'],
  summary: 'A credential (card or derived) with its certificates',
  request: { params: z.object({ id: Uuid }) },
  responses: { 200: jsonResponse(z.object({ credential: Credential }), 'The credential'), 404: ERROR_RESPONSES[404] },
});
const list = apiRoute({
  method: 'get',
  path: '/api/identities/{id}/credentials',
  roles: ['issuer', 'helpdesk', 'security-officer', 'auditor'],
  tags: ['cards'],
  summary: "An identity's credentials, oldest first",
  request: { params: z.object({ id: Uuid }) },
  responses: { 200: jsonResponse(z.object({ items: z.array(Credential) }), 'Credentials') },
});
const operation = (name: 'activate' | 'suspend' | 'reinstate', summary: string, roles: RouteRoles) =>
  apiRoute({
    method: 'post',
    path: `/api/cards/{id}/${name}`,
    roles,
    tags: ['cards'],
    summary,
    request: { params: z.object({ id: Uuid }), ...body(Reason) },
    responses: { 200: jsonResponse(z.object({ credential: Credential }), 'The card now'), ...STATE_ERRORS },
  });
const OPERATIONS = [
  ['activate', 'Activate an issued card', ['issuer']],
  ['suspend', 'Suspend a card: its certificates go on hold', ['issuer', 'helpdesk', 'security-officer']],
  ['reinstate', 'Reinstate a suspended card: holds released', ['issuer', 'security-officer']],
] as const;
/** The activate, suspend and reinstate routes, by operation. */
export const cardOperationRoutes = {
  activate: operation(...OPERATIONS[0]),
  suspend: operation(...OPERATIONS[1]),
  reinstate: operation(...OPERATIONS[2]),
};
const terminate = apiRoute({
  method: 'post',
  path: '/api/cards/{id}/terminate',
  roles: ['issuer', 'security-officer'],
  tags: ['cards'],
  summary: 'Terminate a card: every certificate revoked for the reason; on loss, recent derived credentials flagged for review',
  request: { params: z.object({ id: Uuid }), ...body(TerminateCard) },
  responses: { 200: jsonResponse(z.object({ credential: Credential }), 'The card now'), ...STATE_ERRORS },
});
const reissue = apiRoute({
  method: 'post',
  path: '/api/cards/{id}/reissue',
  roles: ['issuer'],
  tags: ['cards'],
  summary: 'Replace a card: new FASC-N and card UUID, same identity; the old card terminated in the same step',
  request: { params: z.object({ id: Uuid }), ...body(ReissueCard) },
  responses: { 201: jsonResponse(z.object({ card: IssuedCard }), 'The new card'), 422: ERROR_RESPONSES[422], ...STATE_ERRORS },
});

const update = apiRoute({
  method: 'post',
  path: '/api/cards/{id}/update',
  roles: ['issuer'],
  tags: ['cards'],
  summary: 'Post-issuance update: new certificates for the keys given, same FASC-N and card UUID; the old ones superseded',
  request: { params: z.object({ id: Uuid }), ...body(UpdateCard) },
  responses: { 200: jsonResponse(z.object({ credential: Credential }), 'The card now'), ...STATE_ERRORS },
});

export const cardRoutes: RouteModule = (app, ctx) => {
  const cards = async () => (await ctx.credentials()).cards;
  app.openapi(issue, async (c) => c.json({ card: plain(await (await cards()).issue(c.req.valid('json'), by(c))) }, 201));
  app.openapi(show, async (c) => c.json({ credential: plain(await getCredential(ctx.store, c.req.valid('param').id)) }, 200));
  app.openapi(list, async (c) => c.json({ items: plain(await listCredentials(ctx.store, c.req.valid('param').id)) }, 200));
  for (const name of ['activate', 'suspend', 'reinstate'] as const) {
    app.openapi(cardOperationRoutes[name], async (c) => {
      const { id } = c.req.valid('param');
      await (await cards())[name](id, by(c), c.req.valid('json').reason);
      return c.json({ credential: plain(await getCredential(ctx.store, id)) }, 200);
    });
  }
  app.openapi(terminate, async (c) => {
    const { id } = c.req.valid('param');
    await (await cards()).terminate(id, c.req.valid('json').reason, by(c));
    return c.json({ credential: plain(await getCredential(ctx.store, id)) }, 200);
  });
  app.openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    const { reason, pivAuthCsr, cardAuthCsr } = c.req.valid('json');
    await (await cards()).update(id, { reason, ...(pivAuthCsr ? { pivAuthCsr } : {}), ...(cardAuthCsr ? { cardAuthCsr } : {}) }, by(c));
    return c.json({ credential: plain(await getCredential(ctx.store, id)) }, 200);
  });
  app.openapi(reissue, async (c) => c.json({ card: plain(await (await cards()).reissue(c.req.valid('param').id, c.req.valid('json'), by(c))) }, 201));
};

/** The routes the command line acts as (it asks for the roles they name). */
export { issue as cardIssueRoute, terminate as cardTerminateRoute, reissue as cardReissueRoute, update as cardUpdateRoute };

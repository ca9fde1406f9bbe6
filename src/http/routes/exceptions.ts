import { z } from '@hono/zod-openapi';
import { type MusterContext, type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse } from '../schemas.ts';
import { plain } from './import-schemas.ts';
import { CredentialException, ExceptionRequest, Reason } from './credential-schemas.ts';

const body = <S extends z.ZodType>(schema: S) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const by = (c: MusterContext) => ({ actor: principalOf(c).actor, correlationId: correlationIdOf(c) });

const grant = apiRoute({
  method: 'post',
  path: '/api/exceptions',
  roles: ['security-officer'],
  tags: ['exceptions'],
  summary: 'Record an approved credential policy exception (approver other than requester, reason, compensating control, bounded expiry)',
  request: body(ExceptionRequest),
  responses: { 201: jsonResponse(z.object({ exception: CredentialException }), 'Granted; it ends by itself at its expiry'), 422: ERROR_RESPONSES[422] },
});
const list = apiRoute({
  method: 'get',
  path: '/api/exceptions',
  roles: ['security-officer', 'issuer', 'auditor'],
  tags: ['exceptions'],
  summary: 'Exceptions, newest first',
  request: { query: z.object({ identityId: z.guid().optional() }).strict() },
  responses: { 200: jsonResponse(z.object({ items: z.array(CredentialException) }), 'Exceptions') },
});
const end = apiRoute({
  method: 'post',
  path: '/api/exceptions/{id}/end',
  roles: ['security-officer'],
  tags: ['exceptions'],
  summary: 'End an exception before its expiry; a temporary credential it covers is terminated',
  request: { params: z.object({ id: Uuid }), ...body(Reason) },
  responses: { 204: { description: 'Ended' }, 409: ERROR_RESPONSES[409] },
});

export const exceptionRoutes: RouteModule = (app, ctx) => {
  const service = async () => (await ctx.credentials()).exceptions;
  app.openapi(grant, async (c) => c.json({ exception: plain(await (await service()).grant(c.req.valid('json'), by(c))) }, 201));
  app.openapi(list, async (c) => c.json({ items: plain(await (await service()).list(c.req.valid('query').identityId)) }, 200));
  app.openapi(end, async (c) => {
    await (await service()).end(c.req.valid('param').id, c.req.valid('json').reason, by(c));
    return c.body(null, 204);
  });
};

/** The routes the command line acts as (it asks for the roles they name). */
export { grant as exceptionGrantRoute, end as exceptionEndRoute };

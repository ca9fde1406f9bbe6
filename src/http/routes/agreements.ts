import { z } from '@hono/zod-openapi';
import { agreementService } from '../../runtime/agreements.ts';
import { saveOrProposeAgreement } from '../../runtime/pending-actions.ts';
import { type MusterContext, type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, jsonResponse } from '../schemas.ts';
import { AgreementId, AgreementStatusChange, AgreementVersion, SaveAgreement } from './agreement-schemas.ts';
import { plain } from './import-schemas.ts';
import { PendingActionView } from './pending-action-schemas.ts';

const body = <S extends z.ZodType>(schema: S) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const actorOf = (c: MusterContext) => principalOf(c).actor;
const params = { params: z.object({ id: AgreementId }) };

const list = apiRoute({
  method: 'get',
  path: '/api/federation/agreements',
  roles: ['federation-admin', 'auditor'],
  tags: ['federation'],
  summary: 'Every trust agreement: the newest version of each, whatever its status',
  responses: { 200: jsonResponse(z.object({ items: z.array(AgreementVersion) }), 'Agreements by id') },
});
const get = apiRoute({
  method: 'get',
  path: '/api/federation/agreements/{id}',
  roles: ['federation-admin', 'auditor'],
  tags: ['federation'],
  summary: 'One trust agreement in force and every version of it, newest first',
  request: params,
  responses: { 200: jsonResponse(z.object({ agreement: AgreementVersion, history: z.array(AgreementVersion) }), 'The agreement and its history'), 404: ERROR_RESPONSES[404] },
});
const save = apiRoute({
  method: 'put',
  path: '/api/federation/agreements/{id}',
  roles: ['federation-admin'],
  tags: ['federation'],
  summary:
    'Save a trust agreement as its next version; its relying parties become registered clients. A change to an agreement in force that touches redirect URIs, keys (jwks, jwksUri), released attributes or adds a relying party is proposed instead (202): it takes effect when a second federation admin confirms it',
  request: { ...params, ...body(SaveAgreement) },
  responses: {
    201: jsonResponse(z.object({ agreement: AgreementVersion }), 'The new version'),
    202: jsonResponse(z.object({ pendingAction: PendingActionView }), 'Proposed: waits for a second federation admin (POST /api/pending-actions/{id}/confirm)'),
    409: ERROR_RESPONSES[409],
    422: ERROR_RESPONSES[422],
  },
});
const status = apiRoute({
  method: 'post',
  path: '/api/federation/agreements/{id}/status',
  roles: ['federation-admin'],
  tags: ['federation'],
  summary: 'Suspend, end or reactivate a trust agreement (a new version); a refused change is audited',
  request: { ...params, ...body(AgreementStatusChange) },
  responses: { 200: jsonResponse(z.object({ agreement: AgreementVersion }), 'The new version'), 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
});

/** `/api/federation/agreements`: trust agreements with relying parties (SP 800-217 §3). */
export const agreementRoutes: RouteModule = (app, ctx) => {
  const agreements = agreementService(ctx);
  app.openapi(list, async (c) => c.json({ items: plain(await agreements.list()) }, 200));
  app.openapi(get, async (c) => {
    const history = await agreements.history(c.req.valid('param').id);
    return c.json(plain({ agreement: history[0], history }), 200);
  });
  app.openapi(save, async (c) => {
    const { document, reason } = c.req.valid('json');
    const outcome = await saveOrProposeAgreement(ctx, c.req.valid('param').id, document, reason, { ...principalOf(c), correlationId: correlationIdOf(c) });
    if ('pending' in outcome) return c.json({ pendingAction: plain(outcome.pending) }, 202);
    return c.json({ agreement: plain(outcome.agreement) }, 201);
  });
  app.openapi(status, async (c) => {
    const change = c.req.valid('json');
    return c.json({ agreement: plain(await agreements.setStatus(c.req.valid('param').id, change.status, actorOf(c), change.reason)) }, 200);
  });
};

/** The routes the command line acts as (it asks for the roles they name). */
export { save as agreementSaveRoute, status as agreementStatusRoute };

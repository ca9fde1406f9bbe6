import { z } from '@hono/zod-openapi';
import { AGREEMENT_ID } from '../../core/federation/agreement.ts';
import { agreementProvisioning, provisionAgreement } from '../../federation/provisioning/agreement-push.ts';
import { MAX_LISTING, RP_ACCOUNT_STATES } from '../../federation/provisioning/records.ts';
import { correlationIdOf, principalOf, type RouteModule } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, jsonResponse, queryInt } from '../schemas.ts';

const AgreementParam = z.object({ id: z.string().regex(AGREEMENT_ID, 'a trust agreement id').openapi({ example: 'travel' }) });

const Push = z
  .object({
    pushId: z.string(),
    agreementId: z.string(),
    version: z.number().int(),
    clientIds: z.array(z.string()),
    queued: z.number().int().openapi({ description: 'identities whose push was queued now' }),
    alreadyQueued: z.number().int().openapi({ description: 'identities whose push was already waiting' }),
  })
  .openapi('AgreementPush');

const Account = z
  .object({
    identityId: z.string(),
    clientId: z.string(),
    sub: z.string().nullable().openapi({ description: "the RP's pairwise subject identifier (SCIM externalId and userName)" }),
    remoteId: z.string().nullable().openapi({ description: "the RP's id of the account; null once deleted" }),
    state: z.enum(RP_ACCOUNT_STATES),
    syncedAt: z.string().nullable(),
    extension: z.enum(['sent', 'refused']).nullable().openapi({ description: "whether the RP took muster's PIV extension schema" }),
  })
  .openapi('RpAccount');

const provision = apiRoute({
  method: 'post',
  path: '/api/federation/agreements/{id}/provision',
  roles: ['federation-admin'],
  tags: ['federation'],
  summary: "Push the agreement's whole population to its relying parties' SCIM services (queued; only differences are sent)",
  request: { params: AgreementParam },
  responses: { 202: jsonResponse(z.object({ push: Push }), 'The push, queued for the worker'), 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404], 422: ERROR_RESPONSES[422] },
});

const listing = apiRoute({
  method: 'get',
  path: '/api/federation/agreements/{id}/provisioning',
  roles: ['federation-admin', 'auditor'],
  tags: ['federation'],
  summary: 'The accounts pushed under the agreement: per identity and relying party, where each stands',
  request: { params: AgreementParam, query: z.object({ limit: queryInt(1, MAX_LISTING).optional(), cursor: z.string().max(200).optional() }).strict() },
  responses: { 200: jsonResponse(z.object({ items: z.array(Account), nextCursor: z.string().optional() }), 'One page, by identity then client'), 404: ERROR_RESPONSES[404] },
});

/** Provisioning to relying parties (SP 800-217 provisioning API) under trust agreements that allow it. */
export const rpProvisioningRoutes: RouteModule = (app, ctx) => {
  app.openapi(provision, async (c) => {
    const push = await provisionAgreement(ctx, c.req.valid('param').id, { actor: principalOf(c).actor, correlationId: correlationIdOf(c) });
    return c.json({ push }, 202);
  });
  app.openapi(listing, async (c) => c.json(await agreementProvisioning(ctx.store, c.req.valid('param').id, c.req.valid('query')), 200));
};

/** The routes the command line acts as (it asks for the roles they name). */
export { provision as agreementProvisionRoute };

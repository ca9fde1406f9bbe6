import { z } from '@hono/zod-openapi';
import { RequestService, type Requester } from '../../governance/index.ts';
import { activationService, pivChallengeVerifier } from '../../runtime/access-activation.ts';
import type { Muster } from '../../runtime/context.ts';
import { type MusterContext, type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, jsonResponse } from '../schemas.ts';
import { Reason } from './credential-schemas.ts';
import { plain } from './import-schemas.ts';
import { ANY_OPERATOR, AccessRequest, NewAccessRequest } from './request-schemas.ts';

const body = <S extends z.ZodType>(schema: S) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const Id = z.object({ id: z.guid() });
const One = z.object({ request: AccessRequest });
const Many = z.object({ items: z.array(AccessRequest) });

function requesterOf(c: MusterContext): Requester {
  const p = principalOf(c);
  return { identityId: p.identityId, actor: p.actor, correlationId: correlationIdOf(c) };
}

const create = apiRoute({
  method: 'post',
  path: '/api/access/requests',
  roles: ANY_OPERATOR,
  tags: ['governance'],
  summary: 'Request access from the catalogue, for oneself or for a direct report',
  request: body(NewAccessRequest),
  responses: { 201: jsonResponse(One, 'The request, pending (or granted, for an item approved automatically)'), 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409], 422: ERROR_RESPONSES[422] },
});
const mine = apiRoute({
  method: 'get',
  path: '/api/access/requests',
  roles: ANY_OPERATOR,
  tags: ['governance'],
  summary: 'The requests the caller made or benefits from, newest first',
  responses: { 200: jsonResponse(Many, 'Requests') },
});
const inbox = apiRoute({
  method: 'get',
  path: '/api/access/approvals',
  roles: ANY_OPERATOR,
  tags: ['governance'],
  summary: "The approver's inbox: requests waiting on a decision the caller may give, oldest first",
  responses: { 200: jsonResponse(Many, 'Requests waiting on the caller') },
});
const decision = (verb: 'approve' | 'deny') =>
  apiRoute({
    method: 'post',
    path: `/api/access/requests/{id}/${verb}`,
    roles: ANY_OPERATOR,
    tags: ['governance'],
    summary: verb === 'approve' ? 'Approve the step of a request waiting on the caller; the last approval grants it' : 'Deny a request waiting on the caller',
    request: { params: Id, ...body(Reason) },
    responses: { 200: jsonResponse(One, 'The request after the decision'), 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
  });
const challenge = apiRoute({
  method: 'post',
  path: '/api/access/requests/{id}/challenge',
  roles: ANY_OPERATOR,
  tags: ['governance'],
  summary: 'A challenge to sign with the PIV Authentication key, to activate the caller’s granted just-in-time request (usable once, for a few minutes)',
  request: { params: Id },
  responses: { 200: jsonResponse(z.object({ nonce: z.string(), expiresAt: z.string() }), 'The challenge (base64url)'), 404: ERROR_RESPONSES[404], 422: ERROR_RESPONSES[422] },
});
const activate = apiRoute({
  method: 'post',
  path: '/api/access/requests/{id}/activate',
  roles: ANY_OPERATOR,
  tags: ['governance'],
  summary: 'Activate the caller’s granted just-in-time request with the challenge signed by their PIV card',
  request: {
    params: Id,
    ...body(
      z
        .object({
          challenge: z.string().min(16).max(128),
          pivCertificate: z.string().min(1).max(16_384).openapi({ description: 'the PIV Authentication certificate, PEM or base64 DER' }),
          signature: z.string().min(1).max(2048).openapi({ description: 'base64: the signature over the challenge bytes' }),
        })
        .strict(),
    ),
  },
  responses: {
    200: jsonResponse(z.object({ activation: z.object({ requestId: z.string(), item: z.string(), activeUntil: z.string(), method: z.string() }) }), 'Active until'),
    404: ERROR_RESPONSES[404],
    422: ERROR_RESPONSES[422],
  },
});
const approve = decision('approve');
const deny = decision('deny');

export function requestsOf(ctx: Muster): RequestService {
  return new RequestService({ store: ctx.store, audit: ctx.audit, clock: ctx.clock, config: ctx.config });
}

export const accessRequestRoutes: RouteModule = (app, ctx) => {
  const requests = requestsOf(ctx);
  app.openapi(create, async (c) => {
    const input = c.req.valid('json');
    const made = await requests.request({ item: input.item, beneficiaryId: input.beneficiaryId, justification: input.justification, endsAt: new Date(input.endsAt) }, requesterOf(c));
    return c.json({ request: plain(made) }, 201);
  });
  app.openapi(mine, async (c) => c.json({ items: plain(await requests.mine(principalOf(c).identityId)) }, 200));
  app.openapi(inbox, async (c) => c.json({ items: plain(await requests.inbox(principalOf(c).identityId)) }, 200));
  app.openapi(approve, async (c) => c.json({ request: plain(await requests.decide(c.req.valid('param').id, 'approve', c.req.valid('json').reason, requesterOf(c))) }, 200));
  app.openapi(challenge, async (c) => c.json(await activationService(ctx).challenge(c.req.valid('param').id, requesterOf(c)), 200));
  app.openapi(activate, async (c) => {
    const { challenge: nonce, pivCertificate, signature } = c.req.valid('json');
    const done = await activationService(ctx).withChallenge(c.req.valid('param').id, nonce, pivChallengeVerifier(ctx, { pivCertificate, signature }), requesterOf(c));
    return c.json({ activation: done }, 200);
  });
  app.openapi(deny, async (c) => c.json({ request: plain(await requests.decide(c.req.valid('param').id, 'deny', c.req.valid('json').reason, requesterOf(c))) }, 200));
};

import { z } from '@hono/zod-openapi';
import { campaignEvidence, campaignProgress, campaigns, createCampaign, decideItem, grantException, listViolations, reviewItems } from '../../governance/index.ts';
import { campaignDeps, sodDeps } from '../../runtime/governance.ts';
import { type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse as json } from '../schemas.ts';
import { Campaign, CampaignCreate, CampaignItem, Decision, ExceptionCreate, SodException, SodViolation } from './governance-schemas.ts';

const params = z.object({ id: Uuid });

const violations = apiRoute({
  method: 'get',
  path: '/api/sod/violations',
  roles: ['security-officer', 'policy-admin', 'auditor'],
  tags: ['governance'],
  summary: 'Separation-of-duties conflicts that exist now (both sides held), each with the exception mitigating it, if any',
  responses: { 200: json(z.object({ items: z.array(SodViolation) }), 'The violations') },
});

const exception = apiRoute({
  method: 'post',
  path: '/api/sod/exceptions',
  roles: ['security-officer'],
  tags: ['governance'],
  summary: 'Mitigate a separation-of-duties conflict for a bounded time, with a compensating control; the approver (the caller) is never the holder',
  request: { body: { content: { 'application/json': { schema: ExceptionCreate } }, required: true } },
  responses: { 201: json(z.object({ exception: SodException }), 'The exception'), 400: ERROR_RESPONSES[400], 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404] },
});

const create = apiRoute({
  method: 'post',
  path: '/api/campaigns',
  roles: ['security-officer'],
  tags: ['governance'],
  summary: 'Open a certification campaign: one item per identity and entitlement of its scope, each assigned to a reviewer',
  request: { body: { content: { 'application/json': { schema: CampaignCreate } }, required: true } },
  responses: { 201: json(z.object({ campaign: Campaign, items: z.number().int() }), 'The campaign'), 400: ERROR_RESPONSES[400] },
});

const list = apiRoute({
  method: 'get',
  path: '/api/campaigns',
  roles: ['security-officer', 'auditor'],
  tags: ['governance'],
  summary: 'Certification campaigns, newest first',
  responses: { 200: json(z.object({ items: z.array(Campaign) }), 'The campaigns') },
});

const Progress = z.object({ reviewer_id: z.string().nullable(), items: z.number(), decided: z.number(), kept: z.number(), revoked: z.number() });

const show = apiRoute({
  method: 'get',
  path: '/api/campaigns/{id}',
  roles: ['security-officer', 'auditor'],
  tags: ['governance'],
  summary: 'A campaign and its progress per reviewer',
  request: { params },
  responses: { 200: json(z.object({ campaign: Campaign, progress: z.array(Progress) }), 'The campaign'), 404: ERROR_RESPONSES[404] },
});

const evidence = apiRoute({
  method: 'get',
  path: '/api/campaigns/{id}/evidence',
  roles: ['security-officer', 'auditor'],
  tags: ['governance'],
  summary: "The campaign's evidence (every item, who decided what and when), signed by the audit key and recorded in the audit chain",
  request: { params },
  responses: { 200: { description: 'The signed evidence (JWS, general JSON serialization)', content: { 'application/jose+json': { schema: z.string() } } }, 404: ERROR_RESPONSES[404] },
});

const items = apiRoute({
  method: 'get',
  path: '/api/review/items',
  roles: ['reviewer', 'security-officer'],
  tags: ['governance'],
  summary: "The caller's worklist: items assigned to them still to decide, or (escalated=true) the escalated items",
  request: { query: z.strictObject({ campaign: Uuid.optional(), escalated: z.enum(['true', 'false']).optional() }) },
  responses: { 200: json(z.object({ items: z.array(CampaignItem) }), 'The items') },
});

const decide = apiRoute({
  method: 'post',
  path: '/api/review/items/{id}/decision',
  roles: ['reviewer', 'security-officer'],
  tags: ['governance'],
  summary: 'Keep or revoke one item, with a comment; only its reviewer (or, once escalated, the escalation role), never about their own access',
  request: { params, body: { content: { 'application/json': { schema: Decision } }, required: true } },
  responses: { 200: json(z.object({ item: CampaignItem }), 'The item decided'), 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
});

export const governanceRoutes: RouteModule = (app, ctx) => {
  app.openapi(violations, async (c) => {
    const items = (await listViolations(ctx.store, ctx.clock.now())).map((v) => ({ ...v, sides: v.sides.map((side) => [...side]) }));
    return c.json({ items }, 200);
  });
  app.openapi(exception, async (c) => {
    const b = c.req.valid('json');
    const by = principalOf(c);
    const e = await grantException(sodDeps(ctx), { ...b, approver: by.actor, correlationId: correlationIdOf(c) });
    return c.json({ exception: e }, 201);
  });
  app.openapi(create, async (c) => {
    const b = c.req.valid('json');
    const out = await createCampaign(campaignDeps(ctx), { ...b, actor: principalOf(c).actor, correlationId: correlationIdOf(c) });
    return c.json(out, 201);
  });
  app.openapi(list, async (c) => c.json({ items: await campaigns(ctx) }, 200));
  app.openapi(show, async (c) => c.json(await campaignProgress(ctx, c.req.valid('param').id), 200));
  app.openapi(evidence, async (c) => {
    const e = await campaignEvidence({ ...campaignDeps(ctx), signer: ctx.auditKeys.signer }, c.req.valid('param').id, principalOf(c).actor, correlationIdOf(c));
    return c.body(e.text, 200, { 'content-type': 'application/jose+json' }) as never;
  });
  app.openapi(items, async (c) => {
    const q = c.req.valid('query');
    const by = principalOf(c);
    const escalated = q.escalated === 'true';
    return c.json({ items: await reviewItems(ctx, { reviewerId: escalated ? undefined : by.identityId, campaignId: q.campaign, escalated }) }, 200);
  });
  app.openapi(decide, async (c) => {
    const b = c.req.valid('json');
    const by = principalOf(c);
    const item = await decideItem(campaignDeps(ctx), { itemId: c.req.valid('param').id, ...b, actor: by.actor, reviewerId: by.identityId, roles: by.roles, correlationId: correlationIdOf(c) });
    return c.json({ item }, 200);
  });
};

export { create as campaignCreateRoute, evidence as campaignEvidenceRoute, exception as sodExceptionRoute };

import { z } from '@hono/zod-openapi';
import { dryRunAccess } from '../../lifecycle/access/dry-run.ts';
import { type MusterContext, type RouteModule, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, jsonResponse, queryInt } from '../schemas.ts';
import { Reason } from './credential-schemas.ts';
import { plain } from './import-schemas.ts';
import { DryRunRequest, DryRunResult, PolicyName, PolicyVersion, SavePolicy } from './policy-schemas.ts';

const body = <S extends z.ZodType>(schema: S) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const actorOf = (c: MusterContext) => principalOf(c).actor;
const DRY_RUN_LIMIT = 1000;

const list = apiRoute({
  method: 'get',
  path: '/api/policies',
  roles: ['policy-admin', 'auditor'],
  tags: ['policies'],
  summary: 'Every access policy: the newest version of each, enabled or not',
  responses: { 200: jsonResponse(z.object({ items: z.array(PolicyVersion) }), 'Policies by name') },
});
const history = apiRoute({
  method: 'get',
  path: '/api/policies/{name}',
  roles: ['policy-admin', 'auditor'],
  tags: ['policies'],
  summary: 'Every version of one policy, newest first',
  request: { params: z.object({ name: PolicyName }) },
  responses: { 200: jsonResponse(z.object({ items: z.array(PolicyVersion) }), 'Versions'), 404: ERROR_RESPONSES[404] },
});
const save = apiRoute({
  method: 'put',
  path: '/api/policies/{name}',
  roles: ['policy-admin'],
  tags: ['policies'],
  summary: "Save a policy as its next version (enabled); everyone's access is recomputed",
  request: { params: z.object({ name: PolicyName }), ...body(SavePolicy) },
  responses: { 201: jsonResponse(z.object({ policy: PolicyVersion }), 'The new version'), 422: ERROR_RESPONSES[422] },
});
const disable = apiRoute({
  method: 'post',
  path: '/api/policies/{name}/disable',
  roles: ['policy-admin'],
  tags: ['policies'],
  summary: 'Disable a policy (a new, disabled version): the access it gave is removed; its history stays',
  request: { params: z.object({ name: PolicyName }), ...body(Reason) },
  responses: { 200: jsonResponse(z.object({ policy: PolicyVersion }), 'The disabled version'), 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
});
const dryRun = apiRoute({
  method: 'post',
  path: '/api/policies/dry-run',
  roles: ['policy-admin', 'auditor'],
  tags: ['policies'],
  summary: 'What the policies in force, with any proposed edits, would change and for whom; nothing is changed',
  request: { query: z.object({ limit: queryInt(1, 100_000).optional() }).strict(), ...body(DryRunRequest) },
  responses: { 200: jsonResponse(DryRunResult, 'The plan: the summary counts every change, the list holds at most `limit` identities'), 422: ERROR_RESPONSES[422] },
});

export const policyRoutes: RouteModule = (app, ctx) => {
  app.openapi(list, async (c) => c.json({ items: plain(await ctx.policies.list()) }, 200));
  app.openapi(history, async (c) => c.json({ items: plain(await ctx.policies.history(c.req.valid('param').name)) }, 200));
  app.openapi(save, async (c) => {
    const { document, reason } = c.req.valid('json');
    return c.json({ policy: plain(await ctx.policies.save(c.req.valid('param').name, document, actorOf(c), reason)) }, 201);
  });
  app.openapi(disable, async (c) => c.json({ policy: plain(await ctx.policies.disable(c.req.valid('param').name, actorOf(c), c.req.valid('json').reason)) }, 200));
  app.openapi(dryRun, async (c) => {
    const { proposed, identityIds } = c.req.valid('json');
    const limit = c.req.valid('query').limit ?? DRY_RUN_LIMIT;
    const result = await dryRunAccess(ctx.store, ctx.accessTargets, ctx.clock.now(), { ...(proposed ? { proposed } : {}), ...(identityIds ? { identityIds } : {}) });
    const changes = result.changes.slice(0, limit);
    return c.json(plain({ ...result, changed: result.changes.length, changes, truncated: changes.length < result.changes.length }), 200);
  });
};

/** The routes the command line acts as (it asks for the roles they name). */
export { save as policySaveRoute, disable as policyDisableRoute };

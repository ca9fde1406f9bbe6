import { z } from '@hono/zod-openapi';
import { CatalogueService } from '../../governance/catalogue/index.ts';
import type { Muster } from '../../runtime/context.ts';
import { type MusterContext, type RouteModule, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, jsonResponse } from '../schemas.ts';
import { Reason } from './credential-schemas.ts';
import { plain } from './import-schemas.ts';
import { ANY_OPERATOR } from './request-schemas.ts';

const body = <S extends z.ZodType>(schema: S) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const actorOf = (c: MusterContext) => principalOf(c).actor;

// Documents stay loose here: the catalogue checker answers 422 MUSTER_ERR_CATALOGUE naming each field.
const ItemDocument = z.record(z.string(), z.unknown()).openapi('CatalogueItemDocument', {
  description:
    '`{ kind: "group", target, group | kind: "role", role | kind: "rp", agreement, description, owners: [identity id], privileged, maxDays, approvals: ["manager","owner"] | ["owners:2"] | ["auto"], activation: "standing" | "jit", activationHours }`',
});
const ItemName = z.string().min(1).max(64).openapi({ description: 'lower-case letters, digits, ".", "-" and "_", starting with a letter' });
const CatalogueItem = z
  .object({
    name: z.string(),
    version: z.number().int(),
    kind: z.enum(['group', 'role', 'rp']),
    document: ItemDocument,
    enabled: z.boolean(),
    author: z.string(),
    reason: z.string(),
    createdAt: z.string(),
  })
  .openapi('CatalogueItem');
const SaveItem = z
  .object({ document: ItemDocument, reason: z.string().min(1).max(1000) })
  .strict()
  .openapi('CatalogueItemSave');

const list = apiRoute({
  method: 'get',
  path: '/api/catalogue',
  roles: ANY_OPERATOR,
  tags: ['governance'],
  summary: 'The catalogue of requestable access: the newest version of each item, enabled or not',
  responses: { 200: jsonResponse(z.object({ items: z.array(CatalogueItem) }), 'Items by name') },
});
const history = apiRoute({
  method: 'get',
  path: '/api/catalogue/{name}',
  roles: ANY_OPERATOR,
  tags: ['governance'],
  summary: 'Every version of one catalogue item, newest first',
  request: { params: z.object({ name: ItemName }) },
  responses: { 200: jsonResponse(z.object({ items: z.array(CatalogueItem) }), 'Versions'), 404: ERROR_RESPONSES[404] },
});
const save = apiRoute({
  method: 'put',
  path: '/api/catalogue/{name}',
  roles: ['policy-admin'],
  tags: ['governance'],
  summary: 'Save a catalogue item as its next version (offered)',
  request: { params: z.object({ name: ItemName }), ...body(SaveItem) },
  responses: { 201: jsonResponse(z.object({ item: CatalogueItem }), 'The new version'), 422: ERROR_RESPONSES[422] },
});
const disable = apiRoute({
  method: 'post',
  path: '/api/catalogue/{name}/disable',
  roles: ['policy-admin'],
  tags: ['governance'],
  summary: 'Stop offering a catalogue item (a new, disabled version); grants already made run to their end dates',
  request: { params: z.object({ name: ItemName }), ...body(Reason) },
  responses: { 200: jsonResponse(z.object({ item: CatalogueItem }), 'The disabled version'), 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
});

export function catalogueOf(ctx: Muster): CatalogueService {
  return new CatalogueService({ store: ctx.store, audit: ctx.audit, clock: ctx.clock, targets: ctx.accessTargets.names });
}

export const catalogueRoutes: RouteModule = (app, ctx) => {
  const catalogue = catalogueOf(ctx);
  app.openapi(list, async (c) => c.json({ items: plain(await catalogue.list()) }, 200));
  app.openapi(history, async (c) => c.json({ items: plain(await catalogue.history(c.req.valid('param').name)) }, 200));
  app.openapi(save, async (c) => {
    const { document, reason } = c.req.valid('json');
    return c.json({ item: plain(await catalogue.save(c.req.valid('param').name, document, actorOf(c), reason)) }, 201);
  });
  app.openapi(disable, async (c) => c.json({ item: plain(await catalogue.disable(c.req.valid('param').name, actorOf(c), c.req.valid('json').reason)) }, 200));
};

export { save as catalogueSaveRoute, disable as catalogueDisableRoute };

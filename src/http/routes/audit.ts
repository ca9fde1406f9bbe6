import { z } from '@hono/zod-openapi';
import type { AuditEntry } from '../../audit/chain.ts';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, listAuditEntries } from '../../audit/queries.ts';
import { verifyAuditLog } from '../../audit/verify.ts';
import type { RouteModule } from '../env.ts';
import { apiRoute } from '../route.ts';
import { queryInt } from '../schemas.ts';

const filterText = z.string().min(1).max(256).optional();
const seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional();

const AuditQuery = z.strictObject({
  actor: filterText,
  action: filterText,
  target: filterText,
  correlationId: filterText,
  afterSeq: seq.openapi({ description: 'only entries with a greater seq' }),
  beforeSeq: seq.openapi({ description: 'only entries with a smaller seq; pass nextBeforeSeq to read the next (older) page' }),
  limit: queryInt(1, MAX_LIST_LIMIT)
    .optional()
    .openapi({ description: `page size, default ${DEFAULT_LIST_LIMIT}` }),
});

const AuditEntryBody = z
  .object({
    seq: z.number().int(),
    at: z.string().openapi({ format: 'date-time' }),
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    reason: z.string().nullable(),
    correlationId: z.string(),
    data: z.record(z.string(), z.any()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEntry');

const AuditPage = z.object({ items: z.array(AuditEntryBody), nextBeforeSeq: z.number().int().optional() }).openapi('AuditPage');

const VerifyBody = z
  .object({
    ok: z.boolean(),
    entries: z.number().int(),
    checkpoints: z.number().int(),
    firstBad: z.object({ seq: z.number().int(), problem: z.string() }).optional(),
    warnings: z.array(z.string()),
  })
  .openapi('AuditVerification');

const list = apiRoute({
  method: 'get',
  path: '/api/audit',
  roles: ['auditor', 'security-officer'],
  tags: ['audit'],
  summary: 'Audit entries matching every filter, newest first',
  request: { query: AuditQuery },
  responses: { 200: { description: 'A page of entries', content: { 'application/json': { schema: AuditPage } } } },
});

const verify = apiRoute({
  method: 'get',
  path: '/api/audit/verify',
  roles: ['auditor', 'security-officer'],
  tags: ['audit'],
  summary: 'Verify the hash chain and the signed checkpoints of the whole audit log',
  responses: { 200: { description: 'The verification result; ok is false when any entry is bad', content: { 'application/json': { schema: VerifyBody } } } },
});

function entryBody(e: AuditEntry): z.infer<typeof AuditEntryBody> {
  const { dataText: _text, ...rest } = e;
  return { ...rest, at: e.at.toISOString() };
}

export const auditRoutes: RouteModule = (app, ctx) => {
  app.openapi(list, async (c) => {
    const filter = c.req.valid('query');
    const entries = await listAuditEntries(ctx.store, filter);
    const last = entries.at(-1);
    const full = entries.length === (filter.limit ?? DEFAULT_LIST_LIMIT);
    return c.json({ items: entries.map(entryBody), ...(full && last ? { nextBeforeSeq: last.seq } : {}) }, 200);
  });
  app.openapi(verify, async (c) => c.json(await verifyAuditLog(ctx.store, { publicKeys: ctx.auditKeys.publicKeys, trustedKeyIds: new Set([ctx.auditKeys.signer.keyId]) }), 200));
};

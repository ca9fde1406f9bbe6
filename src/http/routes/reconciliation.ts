import { z } from '@hono/zod-openapi';
import { SITUATIONS, getRun, listFindings, listRuns, orphanReport } from '../../lifecycle/reconcile/index.ts';
import { startReconciliation } from '../../runtime/reconcile.ts';
import { type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse, queryInt } from '../schemas.ts';
import { plain } from './import-schemas.ts';

const count = z.number().int();
const Run = z
  .object({
    id: z.string(),
    target: z.string(),
    actor: z.string(),
    status: z.enum(['running', 'done', 'failed']),
    counts: z
      .object({
        accounts: count,
        linked: count,
        unlinked: count,
        unmatched: count,
        disputed: count,
        deleted: count,
        drift: count,
        memberships: count,
        membershipsRemoved: count,
        privileged: count,
        disabled: count,
        failed: count,
      })
      .openapi({ description: 'accounts listed; by situation; drift among linked; privileged orphans; orphans disabled, and those the target refused to disable' }),
    error: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('ReconciliationRun');

const Finding = z
  .object({
    runId: z.string(),
    target: z.string(),
    accountRef: z.string(),
    remoteId: z.string(),
    situation: z.enum(SITUATIONS),
    identityId: z.string().nullable(),
    candidates: z.array(z.string()),
    enabled: z.boolean(),
    privileged: z.boolean(),
    drift: z.boolean(),
    groups: z.array(z.string()),
    action: z.string(),
  })
  .openapi('ReconciliationFinding');

const Orphan = z
  .object({
    target: z.string(),
    accountRef: z.string(),
    remoteId: z.string().nullable(),
    status: z.enum(['orphan', 'disabled']).openapi({ description: 'orphan: still enabled in the target' }),
    privileged: z.boolean(),
    groups: z.array(z.string()),
    fields: z.record(z.string(), z.string()),
    foundAt: z.string(),
    disabledAt: z.string().nullable(),
    archivedAt: z.string().nullable(),
  })
  .openapi('OrphanAccount');

const TargetName = z.string().min(1).max(32);
const RunId = z.object({ id: Uuid });

const start = apiRoute({
  method: 'post',
  path: '/api/reconciliations',
  roles: ['provisioning-admin'],
  tags: ['reconciliation'],
  summary:
    "Reconcile a target: every account it holds is correlated with the record (linked, unlinked, disputed, orphan) and the record's accounts it no longer holds are found; the run goes on after the answer",
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              target: TargetName,
              incremental: z.boolean().optional().describe("only the accounts changed since the last run's high-water mark (Active Directory's uSNChanged)"),
            })
            .strict(),
        },
      },
      required: true,
    },
  },
  responses: { 202: jsonResponse(z.object({ run: Run }), 'Started; follow it at GET /api/reconciliations/{id}'), 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
});
const list = apiRoute({
  method: 'get',
  path: '/api/reconciliations',
  roles: ['provisioning-admin', 'auditor'],
  tags: ['reconciliation'],
  summary: 'Reconciliation runs, newest first',
  request: { query: z.object({ target: TargetName.optional(), limit: queryInt(1, 1000).optional() }).strict() },
  responses: { 200: jsonResponse(z.object({ items: z.array(Run) }), 'Runs') },
});
const show = apiRoute({
  method: 'get',
  path: '/api/reconciliations/{id}',
  roles: ['provisioning-admin', 'auditor'],
  tags: ['reconciliation'],
  summary: 'One run with its counts (they grow while it runs)',
  request: { params: RunId },
  responses: { 200: jsonResponse(z.object({ run: Run }), 'The run'), 404: ERROR_RESPONSES[404] },
});
const findings = apiRoute({
  method: 'get',
  path: '/api/reconciliations/{id}/findings',
  roles: ['provisioning-admin', 'auditor'],
  tags: ['reconciliation'],
  summary: 'What a run found that needs a person: orphans, disputes, deleted accounts, drift, links made (privileged first)',
  request: { params: RunId, query: z.object({ situation: z.enum(SITUATIONS).optional(), limit: queryInt(1, 10_000).optional() }).strict() },
  responses: { 200: jsonResponse(z.object({ items: z.array(Finding) }), 'Findings'), 404: ERROR_RESPONSES[404] },
});
const orphans = apiRoute({
  method: 'get',
  path: '/api/orphans',
  roles: ['provisioning-admin', 'auditor'],
  tags: ['reconciliation'],
  summary: 'Accounts no identity owns, not yet archived: by target, privileged first, then by key',
  request: { query: z.object({ target: TargetName.optional(), limit: queryInt(1, 100_000).optional() }).strict() },
  responses: { 200: jsonResponse(z.object({ items: z.array(Orphan) }), 'Orphans') },
});

export const reconciliationRoutes: RouteModule = (app, ctx) => {
  app.openapi(start, async (c) => {
    const body = c.req.valid('json');
    const { run } = await startReconciliation(ctx, body.target, { actor: principalOf(c).actor, correlationId: correlationIdOf(c), ...(body.incremental ? { incremental: true } : {}) });
    return c.json({ run: plain(run) }, 202);
  });
  app.openapi(list, async (c) => c.json({ items: plain(await listRuns(ctx.store, c.req.valid('query'))) }, 200));
  app.openapi(show, async (c) => c.json({ run: plain(await getRun(ctx.store, c.req.valid('param').id)) }, 200));
  app.openapi(findings, async (c) => c.json({ items: plain(await listFindings(ctx.store, c.req.valid('param').id, c.req.valid('query'))) }, 200));
  app.openapi(orphans, async (c) => c.json({ items: plain(await orphanReport(ctx.store, c.req.valid('query'))) }, 200));
};

/** The routes the command line acts as (it asks for the roles they name). */
export { start as reconciliationStartRoute };

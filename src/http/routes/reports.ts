import { z } from '@hono/zod-openapi';
import { REPORT_NAMES, type ReportFormat, auditCdmExport, cdmLines, cdmObjects, reportCsv, reportJson, reportName, runReport } from '../../governance/index.ts';
import type { Queryable } from '../../store/store.ts';
import { type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES } from '../schemas.ts';

const ReportBody = z
  .object({
    name: z.string(),
    generatedAt: z.string().openapi({ format: 'date-time' }),
    parameters: z.record(z.string(), z.string()),
    columns: z.array(z.string()),
    rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
    truncated: z.boolean(),
  })
  .openapi('Report');

const window = z
  .string()
  .regex(/^\d{1,5}[dw]?$/)
  .optional();

const show = apiRoute({
  method: 'get',
  path: '/api/reports/{name}',
  roles: ['auditor', 'security-officer', 'provisioning-admin', 'issuer'],
  tags: ['governance'],
  summary: 'A governance report: phishing-resistant coverage, privileged without PIV, orphans, lapses, leaver latency, or the CDM export',
  description: 'cdm-export streams every identity as CDM USER, CRED, BEHAVE and PRIV objects: JSON lines (format=json) or CSV.',
  request: {
    params: z.object({ name: z.enum(REPORT_NAMES).openapi({ description: 'the report' }) }),
    query: z.strictObject({
      format: z.enum(['csv', 'json']).optional().openapi({ description: 'json (default) or csv (RFC 4180, formula prefixes neutralized)' }),
      within: window.openapi({ description: 'lapses: the window ahead, e.g. 30d (default)' }),
      since: z.string().min(1).max(64).optional().openapi({ description: 'leaver-latency: ISO 8601 time or a window back, e.g. 30d (default)' }),
      object: z.string().min(1).max(64).optional().openapi({ description: 'cdm-export: comma-separated CDM objects (USER,CRED,BEHAVE,PRIV)' }),
    }),
  },
  responses: {
    200: { description: 'The report', content: { 'application/json': { schema: ReportBody }, 'text/csv': { schema: z.string() }, 'application/x-ndjson': { schema: z.string() } } },
    400: ERROR_RESPONSES[400],
  },
});

/** The CDM export as a stream of CSV or JSON lines, one page of identities in memory at a time. */
function cdmStream(db: Queryable, format: ReportFormat, objects: ReturnType<typeof cdmObjects>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const lines = cdmLines(db, objects, format);
  return new ReadableStream({
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}

export const reportRoutes: RouteModule = (app, ctx) => {
  app.openapi(show, async (c) => {
    const name = reportName(c.req.valid('param').name);
    const { format = 'json', within, since, object } = c.req.valid('query');
    if (name === 'cdm-export') {
      const objects = cdmObjects(object?.split(',').map((o) => o.trim()));
      await auditCdmExport(ctx, { actor: principalOf(c).actor, correlationId: correlationIdOf(c), objects, format });
      const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson';
      return c.body(cdmStream(ctx.store, format, objects), 200, { 'content-type': type }) as never;
    }
    const report = await runReport(ctx.store, ctx.clock, name, { within, since });
    if (format === 'csv') return c.body(reportCsv(report), 200, { 'content-type': 'text/csv; charset=utf-8' }) as never;
    return c.json(reportJson(report), 200);
  });
};

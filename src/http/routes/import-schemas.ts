import { z } from '@hono/zod-openapi';

const Detail = z.object({
  message: z.string(),
  file: z.string().optional(),
  line: z.number().int().optional(),
  field: z.string().optional(),
  key: z.string().optional(),
  value: z.string().optional(),
});

export const ImportRun = z
  .object({
    id: z.string(),
    source: z.string(),
    format: z.string(),
    fileName: z.string(),
    fileSha256: z.string(),
    status: z.enum(['running', 'applied', 'held', 'refused', 'failed', 'interrupted']),
    options: z.object({ skipInvalid: z.boolean().optional() }),
    summary: z.record(z.string(), z.unknown()).openapi({ description: 'rows, valid, invalid, unchanged, joiners, movers, leavers, leave, returns, rehires, disputed, absent, held…' }),
    errors: z.array(Detail),
    actor: z.string(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('ImportRun');

export const Dispute = z
  .object({
    id: z.string(),
    source: z.string(),
    sourceKey: z.string(),
    runId: z.string().nullable(),
    record: z.object({ line: z.number(), values: z.record(z.string(), z.string()) }),
    candidates: z.array(z.object({ identity_id: z.string(), rule: z.string(), confidence: z.number(), status: z.string(), linked_key: z.string().nullable() })),
    status: z.enum(['open', 'resolved']),
    resolution: z.object({ choice: z.string(), reason: z.string() }).nullable(),
    resolvedBy: z.string().nullable(),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .openapi('Dispute');

export const Outcome = z.object({ events: z.array(z.object({ type: z.string(), identityId: z.string().nullable() })), summary: z.record(z.string(), z.unknown()) }).openapi('SourceEventOutcome');

export { jsonResponse as json } from '../schemas.ts';

/** The JSON a value serialises to (dates as ISO strings), as the response schemas describe it. */
// biome-ignore lint: the schemas above are the contract for this shape
export function plain(value: unknown): any {
  return JSON.parse(JSON.stringify(value));
}

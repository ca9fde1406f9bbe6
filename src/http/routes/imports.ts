import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from '@hono/zod-openapi';
import { MusterError } from '../../core/errors.ts';
import type { ImportRun as Run } from '../../sources/runs.ts';
import { listRuns, getRun } from '../../sources/runs.ts';
import type { Muster } from '../../runtime/context.ts';
import { type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, queryInt } from '../schemas.ts';
import { ImportRun, json, plain } from './import-schemas.ts';

const RunResponse = z.object({ run: ImportRun });

const upload = apiRoute({
  method: 'post',
  path: '/api/imports/{source}',
  roles: ['source-feed:{source}', 'source-admin/adjudicator:{source}'],
  tags: ['imports'],
  summary: 'Import a snapshot file (CSV or JSON Lines) from an authoritative source',
  description: 'The request body is the file. Nothing is applied if any row is bad (unless skipInvalid); a mass termination is held (202) until confirmed.',
  request: {
    params: z.object({ source: z.string().min(1).max(32) }),
    query: z.object({ format: z.enum(['csv', 'jsonl']).default('csv'), skipInvalid: z.enum(['true', 'false']).default('false'), fileName: z.string().max(200).optional() }).strict(),
    body: { content: { 'text/csv': { schema: z.string() }, 'application/x-ndjson': { schema: z.string() } }, required: true },
  },
  responses: {
    200: json(RunResponse, 'Applied'),
    202: json(RunResponse, 'Held by the mass-change guard: confirm to apply'),
    404: ERROR_RESPONSES[404],
    422: json(RunResponse, 'Refused: bad rows; nothing was applied. The run lists each error with line and field'),
  },
});

const list = apiRoute({
  method: 'get',
  path: '/api/imports',
  roles: ['source-admin', 'registrar', 'auditor'],
  tags: ['imports'],
  summary: 'Import runs, newest first, with their results',
  request: { query: z.object({ source: z.string().optional(), limit: queryInt(1, 500).default(50) }).strict() },
  responses: { 200: json(z.object({ items: z.array(ImportRun) }), 'Runs') },
});

const show = apiRoute({
  method: 'get',
  path: '/api/imports/{id}',
  roles: ['source-admin', 'registrar', 'auditor'],
  tags: ['imports'],
  summary: 'One import run: its summary (joiners, movers, leavers, rehires, held changes) and errors',
  request: { params: z.object({ id: Uuid }) },
  responses: { 200: json(RunResponse, 'The run'), 404: ERROR_RESPONSES[404] },
});

const confirm = apiRoute({
  method: 'post',
  path: '/api/imports/{id}/confirm',
  roles: ['source-admin'],
  tags: ['imports'],
  summary: 'Confirm a run held by the mass-change guard, and apply it',
  request: { params: z.object({ id: Uuid }) },
  responses: { 200: json(RunResponse, 'Applied'), 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
});

const STATUS = { applied: 200, held: 202, refused: 422 } as const;

export const importRoutes: RouteModule = (app, ctx) => {
  app.openapi(upload, async (c) => {
    const { source } = c.req.valid('param');
    const query = c.req.valid('query');
    ctx.sources.get(source);
    const file = await saveBody(ctx, c.req.raw.body);
    let run: Run | undefined;
    try {
      run = await ctx.imports.run({
        source,
        file,
        fileName: query.fileName ?? `upload.${query.format}`,
        format: query.format,
        skipInvalid: query.skipInvalid === 'true',
        actor: principalOf(c).actor,
        correlationId: correlationIdOf(c),
      });
      return c.json({ run: plain(run) }, statusOf(run));
    } finally {
      // a held run keeps its file until it is confirmed
      if (run?.filePath !== file) await rm(file, { force: true });
    }
  });
  app.openapi(list, async (c) => c.json({ items: plain(await listRuns(ctx.store, c.req.valid('query'))) }, 200));
  app.openapi(show, async (c) => c.json({ run: plain(await getRun(ctx.store, c.req.valid('param').id)) }, 200));
  app.openapi(confirm, async (c) => {
    const run = await ctx.imports.confirm(c.req.valid('param').id, principalOf(c).actor, correlationIdOf(c));
    return c.json({ run: plain(run) }, 200);
  });
};

function statusOf(run: Run): 200 | 202 | 422 {
  return (STATUS as Record<string, 200 | 202 | 422>)[run.status] ?? 422;
}

async function saveBody(ctx: Muster, body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!body) throw new MusterError('MUSTER_ERR_VALIDATION', 'the request body must be the snapshot file', [{ field: 'body', message: 'empty' }]);
  const dir = ctx.config.dataDir === ':memory:' ? tmpdir() : join(ctx.config.dataDir, 'uploads');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `upload-${randomUUID()}`);
  const limit = ctx.config.import.maxFileBytes;
  let size = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      done(size > limit ? new MusterError('MUSTER_ERR_IMPORT_FILE', `the upload exceeds ${limit} bytes`, [{ field: 'body', message: 'too large' }]) : null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), guard, createWriteStream(file, { mode: 0o600 }));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return file;
}

/** The routes the command line acts as (it asks for the roles they name). */
export { upload as importUploadRoute, confirm as importConfirmRoute };

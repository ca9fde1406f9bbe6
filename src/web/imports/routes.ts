import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MusterError } from '../../core/errors.ts';
import { getRun, listRuns } from '../../sources/runs.ts';
import { answerRefusal } from '../answers.ts';
import { operatorOf } from '../env.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import type { ConsoleServices } from '../services.ts';
import { show } from '../view.ts';
import { IMPORTS_PATH, importsPage, runPage } from './pages.ts';

/**
 * The imports pages, with the roles and services of `/api/imports`: the runs and one run (source-admin, registrar,
 * auditor); an upload and the confirmation of a held run (source-admin). A run held by the mass-change guard is
 * confirmed by a second source administrator: the import service refuses its uploader (`second-person`, audited).
 */

const READERS = ['source-admin', 'registrar', 'auditor'] as const;
const BACK = { href: IMPORTS_PATH, text: 'All imports' };

export function importRoutes(services: ConsoleServices): ConsoleRoute[] {
  return [
    consoleRoute({
      method: 'get',
      path: IMPORTS_PATH,
      roles: [...READERS],
      nav: 'Imports',
      handler: async (c) =>
        show(
          c,
          importsPage(
            services.sources.list().map((s) => s.name),
            await listRuns(services.store, { limit: 50 }),
          ),
        ),
    }),
    consoleRoute({
      method: 'get',
      path: `${IMPORTS_PATH}/:id`,
      roles: [...READERS],
      handler: async (c) =>
        answerRefusal(
          c,
          operatorOf(c),
          BACK,
          () => getRun(services.store, c.req.param('id') ?? ''),
          (run) => show(c, runPage(run)),
        ),
    }),
    consoleRoute({
      method: 'post',
      path: IMPORTS_PATH,
      roles: ['source-admin'],
      handler: async (c) => {
        const me = operatorOf(c);
        const body = await c.req.parseBody();
        return answerRefusal(
          c,
          me,
          BACK,
          async () => {
            const source = typeof body.source === 'string' ? body.source : '';
            services.sources.get(source);
            const snapshot = body.snapshot;
            if (!(snapshot instanceof File) || snapshot.size === 0) throw new MusterError('MUSTER_ERR_VALIDATION', 'choose the snapshot file to upload', [{ field: 'snapshot', message: 'empty' }]);
            return importUpload(services, { source, snapshot, actor: me.actor, correlationId: c.get('correlationId') });
          },
          (run) => c.redirect(`${IMPORTS_PATH}/${run.id}`, 303),
        );
      },
    }),
    consoleRoute({
      method: 'post',
      path: `${IMPORTS_PATH}/:id/confirm`,
      roles: ['source-admin'],
      handler: async (c) => {
        const me = operatorOf(c);
        const id = c.req.param('id') ?? '';
        return answerRefusal(
          c,
          me,
          { href: `${IMPORTS_PATH}/${id}`, text: 'Back to the run' },
          () => services.imports.confirm(id, me.actor, c.get('correlationId')),
          (run) => c.redirect(`${IMPORTS_PATH}/${run.id}`, 303),
        );
      },
    }),
  ];
}

/** Saves the upload where `POST /api/imports/{source}` saves its body, runs the import, and drops the file unless the run is held. */
async function importUpload(services: ConsoleServices, upload: { source: string; snapshot: File; actor: string; correlationId: string }) {
  const dir = services.config.dataDir === ':memory:' ? tmpdir() : join(services.config.dataDir, 'uploads');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `console-${randomUUID()}`);
  await writeFile(file, new Uint8Array(await upload.snapshot.arrayBuffer()), { mode: 0o600 });
  let run: Awaited<ReturnType<ConsoleServices['imports']['run']>> | undefined;
  try {
    run = await services.imports.run({ source: upload.source, file, fileName: upload.snapshot.name, actor: upload.actor, correlationId: upload.correlationId });
    return run;
  } finally {
    if (run?.filePath !== file) await rm(file, { force: true });
  }
}

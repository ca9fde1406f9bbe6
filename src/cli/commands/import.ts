import type { Command } from 'commander';
import { importConfirmRoute, importUploadRoute } from '../../http/routes/imports.ts';
import { withOperator } from './as-operator.ts';
import cliProgress from 'cli-progress';
import { MusterError, formatDetail } from '../../core/errors.ts';
import type { ImportProgress } from '../../sources/importer.ts';
import { type ImportRun, getRun, listRuns } from '../../sources/runs.ts';
import type { Cli } from '../cli.ts';
import { table } from '../render.ts';

interface ImportOptions {
  format?: string;
  skipInvalid?: boolean;
}

/** `muster import SOURCE FILE`, `import confirm RUN`, `import list`, `import show RUN`. */
export function importCommands(program: Command, cli: Cli): void {
  const group = program.command('import').description('snapshots from authoritative sources (hr, npe, vetting, training)');
  group
    .command('run', { isDefault: true })
    .description('import a snapshot file: read and check all of it, then apply it in one transaction')
    .argument('<source>', 'a configured source: hr, npe, vetting, training')
    .argument('<file>', 'CSV with a header row, or JSON Lines (.jsonl)')
    .option('--format <format>', 'csv or jsonl (default: from the file name)')
    .option('--skip-invalid', 'apply the good rows and report the bad ones (default: refuse the whole file)')
    .action((source: string, file: string, opts: ImportOptions, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const progress = progressReporter(cli);
          const run = await ctx.imports
            .run({ source, file, format: opts.format, skipInvalid: opts.skipInvalid === true, actor: by.actor, correlationId: cli.correlationId, onProgress: progress.update })
            .finally(progress.stop);
          report(cli, command, run);
        },
        { route: importUploadRoute, params: { source } },
      ),
    );
  group
    .command('confirm')
    .description('apply an import held by the mass-change guard')
    .argument('<run>', 'the held run id')
    .action((runId: string, _opts: unknown, command: Command) =>
      withOperator(cli, command, async (ctx, by) => report(cli, command, await ctx.imports.confirm(runId, by.actor, cli.correlationId)), { route: importConfirmRoute, params: { id: runId } }),
    );
  group
    .command('list')
    .description('recent import runs')
    .option('--source <source>', 'only this source')
    .action((opts: { source?: string }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await listRuns(ctx.store, { source: opts.source });
        cli.print(command, { items }, () =>
          table(
            ['RUN', 'SOURCE', 'FILE', 'STATUS', 'ROWS', 'CREATED'],
            items.map((r) => [r.id, r.source, r.fileName, r.status, r.summary.rows ?? '', r.createdAt.toISOString()]),
          ),
        );
      }),
    );
  group
    .command('show')
    .description('one import run: summary and errors')
    .argument('<run>', 'run id')
    .action((runId: string, _opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const run = await getRun(ctx.store, runId);
        cli.print(command, run, () => summaryLines(run));
      }),
    );
}

function report(cli: Cli, command: Command, run: ImportRun): void {
  cli.print(command, run, () => summaryLines(run));
  if (run.status === 'held') {
    throw new MusterError(
      'MUSTER_ERR_IMPORT_HELD',
      `held: ${run.summary.held?.terminations} terminations exceed the mass-change guard; nothing was applied. If the file is right: muster import confirm ${run.id}`,
    );
  }
  if (run.status !== 'applied') {
    throw new MusterError('MUSTER_ERR_IMPORT_INVALID', `import ${run.status}: ${run.summary.invalid ?? 0} bad row(s); nothing was applied (see the errors above, or use --skip-invalid)`);
  }
}

/** The summary a person reads after an import: what happened to whom, and what went wrong where. */
export function summaryLines(run: ImportRun): string[] {
  const s = run.summary;
  const lines = [
    `import ${run.id}: ${run.source} ${run.fileName} — ${run.status}`,
    `  rows ${s.rows ?? 0}, valid ${s.valid ?? 0}, invalid ${s.invalid ?? 0}, unchanged ${s.unchanged ?? 0}`,
    `  joiners ${s.joiners ?? 0}, movers ${s.movers ?? 0}, leavers ${s.leavers ?? 0} (absent from the snapshot: ${s.absent ?? 0}), leave ${s.leave ?? 0}, returns ${s.returns ?? 0}, rehires ${s.rehires ?? 0}`,
    `  other updates ${s.updated ?? 0}, vetting/training changes ${s.changed ?? 0}, disputed ${s.disputed ?? 0}, refused attribute changes ${s.refusedAttributes ?? 0}`,
  ];
  if (s.held) lines.push(`  HELD: would terminate ${s.held.terminations} of ${s.held.population} (${(s.held.share * 100).toFixed(1)}%; limit ${(s.held.limitShare * 100).toFixed(1)}%)`);
  const shown = run.errors.slice(0, 20).map((e) => `  ${formatDetail(e)}`);
  if (shown.length > 0) lines.push('errors:', ...shown);
  if (run.errors.length > shown.length) lines.push(`  … and ${run.errors.length - shown.length} more (muster import show ${run.id} --json)`);
  return lines;
}

function progressReporter(cli: Cli): { update: (p: ImportProgress) => void; stop: () => void } {
  const stream = cli.io.stderr as NodeJS.WriteStream;
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({ stream, format: '{phase} [{bar}] {value} rows {rate}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  let started = false;
  const begun = Date.now();
  return {
    update(p) {
      const rate = `${Math.round(p.rows / Math.max((Date.now() - begun) / 1000, 0.001))}/s`;
      if (!started) bar.start(p.total ?? p.rows, p.rows, { phase: p.phase, rate });
      started = true;
      if (p.total !== undefined) bar.setTotal(p.total);
      else if (p.rows > bar.getTotal()) bar.setTotal(p.rows);
      bar.update(p.rows, { phase: p.phase, rate });
    },
    stop: () => started && bar.stop(),
  };
}

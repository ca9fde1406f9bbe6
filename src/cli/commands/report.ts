import type { Command } from 'commander';
import { MusterError } from '../../core/errors.ts';
import { REPORT_FORMATS, REPORT_NAMES, type ReportFormat, auditCdmExport, cdmLines, cdmObjects, reportCsv, reportJson, reportName, reportText, runReport } from '../../governance/index.ts';
import { write } from '../io.ts';
import type { CommandGroup } from '../main.ts';

interface ReportOptions {
  readonly format?: string;
  readonly within?: string;
  readonly since?: string;
  readonly object?: string;
}

function formatOf(text: string | undefined): ReportFormat | undefined {
  if (text === undefined || (REPORT_FORMATS as readonly string[]).includes(text)) return text as ReportFormat | undefined;
  throw new MusterError('MUSTER_ERR_VALIDATION', `--format must be one of ${REPORT_FORMATS.join(', ')}`, [{ field: 'format', value: text, message: 'unknown format' }]);
}

/** `muster report NAME [--format csv|json]`: a governance report; cdm-export streams every identity as CDM objects. */
export const reportCommands: CommandGroup = (program, cli) => {
  program
    .command('report')
    .description(`a governance report: ${REPORT_NAMES.join(', ')}`)
    .argument('<name>', 'the report')
    .option('--format <format>', `${REPORT_FORMATS.join(' or ')} (default: a table, or JSON with --json)`)
    .option('--within <days>', 'lapses: what lapses within this window ahead (30d, 4w)', '30d')
    .option('--since <time>', 'leaver-latency: leavers at or after this ISO 8601 time, or a window back (30d)', '30d')
    .option('--object <objects>', 'cdm-export: only these CDM objects, comma-separated (USER,CRED,BEHAVE,PRIV)')
    .action((name: string, opts: ReportOptions, command: Command) => {
      const report = reportName(name);
      const format = formatOf(opts.format) ?? (cli.flags(command).json ? 'json' : undefined);
      return cli.withMuster(command, async (ctx) => {
        if (report === 'cdm-export') {
          const objects = cdmObjects(opts.object?.split(',').map((o) => o.trim()));
          await auditCdmExport(ctx, { actor: cli.actor, correlationId: cli.correlationId, objects, format: format ?? 'json' });
          for await (const line of cdmLines(ctx.store, objects, format ?? 'json')) await write(cli.io.stdout, line);
          return;
        }
        const result = await runReport(ctx.store, ctx.clock, report, { within: opts.within, since: opts.since });
        if (format === 'csv') return write(cli.io.stdout, reportCsv(result));
        cli.print(command, reportJson(result), () => reportText(result));
      });
    });
};

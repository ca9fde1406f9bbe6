import { createWriteStream } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { exportAuditJsonl } from '../../audit/export.ts';
import { verifyAuditLog } from '../../audit/verify.ts';
import { MusterError } from '../../core/errors.ts';
import type { Cli } from '../cli.ts';
import { write } from '../io.ts';
import { integer } from './options.ts';

export function auditCommands(program: Command, cli: Cli): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('recompute the hash chain and check every signed checkpoint; exit 1 naming the first bad entry')
    .action((_opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const result = await verifyAuditLog(ctx.store, { publicKeys: ctx.auditKeys.publicKeys, trustedKeyIds: new Set([ctx.auditKeys.signer.keyId]) });
        for (const warning of result.warnings) cli.note(`warning: ${warning}`);
        if (result.firstBad) {
          const { seq, problem } = result.firstBad;
          throw new MusterError('MUSTER_ERR_AUDIT_CHAIN', `the audit log fails verification: ${problem}`, [{ field: 'seq', value: String(seq), message: 'the first bad entry' }]);
        }
        cli.print(command, result, () => `audit log verified: ${result.entries} entries, ${result.checkpoints} signed checkpoints`);
      }),
    );
  audit
    .command('export')
    .description('the audit log as JSON Lines (one entry a line, SIEM fields)')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--from <seq>', 'first entry (inclusive)', integer('from'))
    .option('--to <seq>', 'last entry (inclusive)', integer('to'))
    .action((opts: ExportOptions, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const lines = exportAuditJsonl(ctx.store, { fromSeq: opts.from, toSeq: opts.to });
        if (opts.out === undefined) {
          await pipe(lines, cli.io.stdout);
          return;
        }
        const count = await toFile(lines, opts.out);
        cli.note(`${count} audit ${count === 1 ? 'entry' : 'entries'} written to ${opts.out}`);
        if (cli.flags(command).json) cli.print(command, { file: opts.out, entries: count }, () => []);
      }),
    );
}

interface ExportOptions {
  out?: string;
  from?: number;
  to?: number;
}

async function pipe(lines: AsyncIterable<string>, stream: Writable): Promise<number> {
  let count = 0;
  for await (const line of lines) {
    await write(stream, `${line}\n`);
    count++;
  }
  return count;
}

async function toFile(lines: AsyncIterable<string>, file: string): Promise<number> {
  const stream = createWriteStream(file, { flags: 'w', mode: 0o600 });
  const opened = new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
  try {
    await opened;
    await chmod(file, 0o600);
  } catch (error) {
    throw new MusterError('MUSTER_ERR_OUTPUT_FILE', `cannot write ${file}: ${(error as Error).message}`, [{ file, message: (error as NodeJS.ErrnoException).code ?? 'unwritable' }], { cause: error });
  }
  try {
    const count = await pipe(lines, stream);
    stream.end();
    await finished(stream);
    return count;
  } catch (error) {
    stream.destroy();
    throw error;
  }
}

import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { verifyEvidence } from '../../audit/evidence/verify.ts';
import { MusterError } from '../../core/errors.ts';
import { produceEvidence } from '../../runtime/evidence/index.ts';
import type { Cli } from '../cli.ts';
import { readFlagFile } from './file-input.ts';
import { integer } from './options.ts';

interface ProduceOptions {
  out?: string;
  event?: number;
}

interface VerifyOptions {
  auditKey?: string;
  trustAnchor?: string;
}

export function evidenceCommands(program: Command, cli: Cli): void {
  const evidence = program
    .command('evidence')
    .description("a signed bundle proving a leaver's credentials, accounts, signals and sessions ended (docs/evidence.md)")
    .argument('<id>', 'identity id')
    .option('--out <file>', 'write the bundle here (required)')
    .option('--event <id>', "the leaver event to prove (default: the identity's latest)", integer('event'))
    .action((id: string, opts: ProduceOptions, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const out = requiredOut(opts.out);
        const made = await produceEvidence(ctx, { identityId: id, eventId: opts.event, actor: cli.actor, correlationId: cli.correlationId });
        await writeOut(out, made.text);
        const b = made.body;
        cli.print(command, { file: out, sha256: made.sha256, event: b.event.id, checkpoint: b.audit.checkpoint.seq }, () => [
          `evidence for event ${b.event.id} (${b.event.type}) written to ${out}`,
          `  ${b.certificates.length} certificate(s), ${b.accounts.length} account(s), ${b.relyingParties.signals.length} SET(s), audit checkpoint ${b.audit.checkpoint.seq}, ${b.timeline.totalMs} ms from event to last step`,
          `  SHA-256 ${made.sha256}`,
        ]);
      }),
    );
  evidence
    .command('verify')
    .description('check a bundle offline (no store, no network); exit 1 naming every check that failed')
    .argument('<file>', 'the bundle')
    .option('--audit-key <pem>', "the auditor's copy of muster's audit public key; the bundle's must match")
    .option('--trust-anchor <pem>', "the auditor's copy of the root CA certificate; the bundle's must match")
    .action(async (file: string, opts: VerifyOptions, command: Command) => {
      const text = await readFlagFile('file', file);
      const auditKeyPem = opts.auditKey === undefined ? undefined : await readFlagFile('audit-key', opts.auditKey);
      const trustAnchorPem = opts.trustAnchor === undefined ? undefined : await readFlagFile('trust-anchor', opts.trustAnchor);
      const result = await verifyEvidence(text, { auditKeyPem, trustAnchorPem });
      cli.print(command, result, () => result.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.check}: ${c.detail}`));
      const failed = result.checks.filter((c) => !c.ok);
      if (failed.length > 0) {
        throw new MusterError(
          'MUSTER_ERR_EVIDENCE',
          `the evidence in ${file} fails verification: ${failed.map((c) => c.check).join(', ')}`,
          failed.map((c) => ({ field: c.check, message: c.detail })),
        );
      }
    });
}

/** `--out` cannot be a required option: `muster evidence verify` shares the command. */
function requiredOut(out: string | undefined): string {
  if (out === undefined) throw new MusterError('MUSTER_ERR_VALIDATION', "required option '--out <file>' not specified", [{ field: 'out', message: 'required' }]);
  return out;
}

async function writeOut(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text, { mode: 0o600 });
  } catch (error) {
    throw new MusterError('MUSTER_ERR_OUTPUT_FILE', `cannot write ${file}: ${(error as Error).message}`, [{ file, message: (error as NodeJS.ErrnoException).code ?? 'unwritable' }], { cause: error });
  }
}

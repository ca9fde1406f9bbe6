import type { Command } from 'commander';
import { writeDemoAgency, writeTruncated } from '../../demo/index.ts';
import type { Cli } from '../cli.ts';
import { issueDemoPivCard } from '../../runtime/demo-piv.ts';
import { cardIssueRoute } from '../../http/routes/cards.ts';
import { byOperator, withOperator } from './as-operator.ts';
import { integer } from './options.ts';

interface GenerateOptions {
  out: string;
  people: number;
  seed: number;
  day: number;
  format: 'csv' | 'jsonl';
  truncate?: string;
}

/** `muster demo generate`: a deterministic synthetic agency (HR, NPE, vetting, training feeds). */
export function demoCommands(program: Command, cli: Cli): void {
  const demo = program.command('demo').description('the synthetic demo agency');
  demo
    .command('generate')
    .description("write a seeded agency's feeds for one day; the same seed and day always give the same files")
    .option('--out <dir>', 'folder to write to', './demo-agency')
    .option('--people <n>', 'people on day 0', integer('people'), 2000)
    .option('--seed <n>', 'seed', integer('seed'), 1)
    .option('--day <n>', 'which day: 0 is the first snapshot, 1 the next day (joiners, movers, leavers, rehires)…', integer('day'), 0)
    .option('--format <format>', 'csv or jsonl', 'csv')
    .option('--truncate <share>', 'also write hr-truncated.<format> keeping only this share of rows (e.g. 0.5)')
    .action(async (opts: GenerateOptions, command: Command) => {
      const { files, manifest } = await writeDemoAgency(opts.out, { seed: opts.seed, people: opts.people, day: opts.day }, opts.format === 'jsonl' ? 'jsonl' : 'csv');
      if (opts.truncate !== undefined) await writeTruncated(files.hr, `${opts.out}/hr-truncated.${opts.format}`, Number(opts.truncate));
      const e = manifest.expected;
      cli.print(command, { files, manifest }, () => [
        `wrote ${manifest.counts.hr} HR, ${manifest.counts.npe} NPE, ${manifest.counts.vetting} vetting and ${manifest.counts.training} training rows for ${manifest.date} to ${opts.out}`,
        `expected changes since the day before: ${e.joiners.length} joiners, ${e.movers.length} movers, ${e.leavers.length} leavers, ${e.leave.length} leave, ${e.returns.length} returns, ${e.rehires.length} rehires`,
      ]);
    });
  demo
    .command('piv')
    .description('issue (as the issuer of MUSTER_TOKEN) a software PIV card to a demo person and write it as PKCS#12 (PIV Authentication and Card Authentication)')
    .argument('<person>', 'identity id, employee id or email')
    .option('--out <dir>', 'folder for the .p12 files and the CA certificates', './demo-piv')
    .option('--password <text>', 'PKCS#12 password', 'muster')
    .action((person: string, opts: { out: string; password: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const result = await issueDemoPivCard(ctx, person, opts.out, opts.password, byOperator(cli, by));
          cli.print(command, result, () => [
            `issued and activated card ${result.card.cardUuid} (FASC-N ${result.card.fascn}) for identity ${result.identityId}`,
            `PIV Authentication: ${result.files.pivAuth} (key and certificate also in ${result.files.pivAuthPem})`,
            `Card Authentication: ${result.files.cardAuth}`,
            `password: ${opts.password}; chain: ${result.files.issuing}, ${result.files.root}`,
          ]);
        },
        { route: cardIssueRoute },
      ),
    );
}

import type { Command } from 'commander';
import { reconciliationStartRoute } from '../../http/routes/reconciliation.ts';
import { byOperator, withOperator } from './as-operator.ts';
import { type ReconciliationRun, orphanReport } from '../../lifecycle/reconcile/index.ts';
import { reconcileNow, runArchiveSweeps } from '../../runtime/reconcile.ts';
import type { Cli } from '../cli.ts';
import type { CommandGroup } from '../main.ts';
import { table } from '../render.ts';

function runLines(run: ReconciliationRun): string[] {
  const c = run.counts;
  return [
    `reconciled ${run.target}: ${c.accounts} accounts (run ${run.id})`,
    ...table(
      ['SITUATION', 'ACCOUNTS'],
      [
        ['linked', c.linked],
        ['  with drift', c.drift],
        ['  memberships changed in the target', c.memberships],
        ['  memberships removed now', c.membershipsRemoved],
        ['unlinked (now linked)', c.unlinked],
        ['disputed', c.disputed],
        ['unmatched (orphans)', c.unmatched],
        ['  privileged', c.privileged],
        ['  disabled now', c.disabled],
        ['deleted in the target', c.deleted],
        ['refused by the target', c.failed],
      ],
    ).map((l) => `  ${l}`),
  ];
}

/** `muster reconcile TARGET|archive` and `muster orphans`: the ILM "no orphaned accounts" checks. */
export const reconcileCommands: CommandGroup = (program, cli: Cli) => {
  const reconcile = program
    .command('reconcile')
    .description("correlate every account of a target with the MUR: links, disputes, orphans, drift, deletions ('archive' runs the archive sweeps)")
    .argument('<target>', 'a configured target')
    .option('--incremental', "only the accounts changed since the last run's high-water mark (Active Directory's uSNChanged); a full run otherwise")
    .action((target: string, opts: { incremental?: boolean }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const run = await reconcileNow(ctx, target, { ...byOperator(cli, by), ...(opts.incremental ? { incremental: true } : {}) });
          cli.print(command, { run }, () => runLines(run));
        },
        { route: reconciliationStartRoute },
      ),
    );
  reconcile
    .command('archive')
    .description("archive now the disabled orphans and leavers' accounts past lifecycle.orphans.archiveAfterDays and lifecycle.archiveAfterDays")
    .action((_opts: unknown, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx) => {
          const archived = await runArchiveSweeps(ctx);
          cli.print(command, archived, () => `archived ${archived.orphans} orphan account(s) and ${archived.leavers} leaver account(s)`);
        },
        { route: reconciliationStartRoute },
      ),
    );
  program
    .command('orphans')
    .description('accounts no identity owns, not yet archived: by target, privileged first')
    .option('--target <name>', 'one target only')
    .action((opts: { target?: string }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await orphanReport(ctx.store, opts.target ? { target: opts.target } : {});
        cli.print(command, { items }, () =>
          items.length === 0
            ? 'no orphaned accounts'
            : table(
                ['TARGET', 'ACCOUNT', 'STATUS', 'PRIVILEGED', 'GROUPS', 'FOUND'],
                items.map((o) => [o.target, o.accountRef, o.status, o.privileged ? 'yes' : '', o.groups.join(', '), o.foundAt.toISOString().slice(0, 10)]),
              ),
        );
      }),
    );
};

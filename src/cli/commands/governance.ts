import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { MusterError } from '../../core/errors.ts';
import {
  type CampaignItem,
  archiveDue,
  campaignEvidence,
  campaignProgress,
  campaigns,
  createCampaign,
  decideItem,
  dueForArchiving,
  grantException,
  listViolations,
  restoreEntitlement,
  reviewItems,
  runCampaignTask,
  scanViolations,
} from '../../governance/index.ts';
import { archiveDeps, campaignDeliver, campaignDeps, sodDeps } from '../../runtime/governance.ts';
import { campaignCreateRoute, campaignEvidenceRoute, sodExceptionRoute } from '../../http/routes/governance.ts';
import type { Muster } from '../../runtime/context.ts';
import type { Cli } from '../cli.ts';
import type { CommandGroup } from '../main.ts';
import { table } from '../render.ts';
import { byOperator, withOperator } from './as-operator.ts';

/** `muster sod`, `muster review` and `muster identity archive`: separation of duties, certification campaigns, retention. */
export const governanceCommands: CommandGroup = (program, cli) => {
  sodCommands(program, cli);
  reviewCommands(program, cli);
  archiveCommand(program, cli);
};

function sodCommands(program: Command, cli: Cli): void {
  const sod = program.command('sod').description('separation of duties: conflicts that exist, and their exceptions');
  sod
    .command('violations')
    .description('identities holding both sides of a separation-of-duties policy, with the exception mitigating each, if any')
    .action((_o: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await listViolations(ctx.store, ctx.clock.now());
        cli.print(command, { items }, () =>
          items.length === 0
            ? 'no separation-of-duties violations'
            : table(
                ['identity', 'policy', 'side 1', 'side 2', 'mitigated until'],
                items.map((v) => [v.identityId, v.policy, v.sides[0].join(' '), v.sides[1].join(' '), v.mitigated?.expiresAt ?? '-']),
              ),
        );
      }),
    );
  sod
    .command('scan')
    .description('record the violations now and raise sod.violation for each new one (the scheduler does this every minute)')
    .action((_o: unknown, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx) => {
          const out = await scanViolations(sodDeps(ctx));
          cli.print(command, out, () => `${out.violations} violation(s), ${out.raised} new`);
        },
        { route: sodExceptionRoute },
      ),
    );
  sod
    .command('exception')
    .description('mitigate a conflict of one identity for a bounded time, with a compensating control (you approve it: never the holder)')
    .requiredOption('--identity <id>', 'the holder (identity id)')
    .requiredOption('--policy <name>', 'the separation-of-duties policy')
    .requiredOption('--control <text>', 'the compensating control in force meanwhile')
    .requiredOption('--reason <text>', 'why (audited)')
    .option('--days <n>', 'how long it stands (1–365)', '30')
    .action((opts: { identity: string; policy: string; control: string; reason: string; days: string }, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        const e = await grantException(sodDeps(ctx), {
          identityId: opts.identity,
          policy: opts.policy,
          approver: by.actor,
          compensatingControl: opts.control,
          reason: opts.reason,
          days: Number(opts.days),
          correlationId: cli.correlationId,
        });
        cli.print(command, { exception: e }, () => `exception ${e.id}: ${e.policy} for ${e.identityId} until ${e.expiresAt}`);
      }),
    );
}

/** The attributes a relying party's item says were released, or `-` for other items. */
function releasedOf(item: CampaignItem): string {
  const released = item.detail?.released;
  return Array.isArray(released) ? released.join(',') || 'none' : '-';
}

function itemTable(items: readonly CampaignItem[]): string[] {
  return table(
    ['item', 'identity', 'entitlement', 'reviewer', 'decision', 'outcome', 'released'],
    items.map((i) => [i.id, i.identityId, `${i.target}/${i.entitlement}`, i.reviewerId ?? 'unassigned', i.decision ?? '-', i.outcome ?? '-', releasedOf(i)]),
  );
}

function reviewCommands(program: Command, cli: Cli): void {
  const review = program.command('review').description('certification campaigns: reviewers keep or revoke access by a due date');
  const campaign = review.command('campaign').description('open, follow and close campaigns');
  campaign
    .command('create')
    .description('open a campaign: one item per identity and entitlement of the scope, each assigned to a reviewer')
    .requiredOption('--scope <scope>', 'privileged, target:<name>, agreement:<id> (its relying parties) or derived-credentials')
    .requiredOption('--reviewers <who>', 'manager or owner (governance.campaigns.owners)')
    .requiredOption('--due <when>', 'a window ahead (14d, 2w) or an ISO 8601 time')
    .option('--unanswered <rule>', 'what happens to items left unanswered at the due date: revoke or escalate', 'revoke')
    .option('--name <name>', 'a name (default: the scope and the day)')
    .requiredOption('--reason <text>', 'why (audited)')
    .action((opts: { scope: string; reviewers: string; due: string; unanswered: string; name?: string; reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const out = await createCampaign(campaignDeps(ctx), { ...opts, ...byOperator(cli, by) });
          cli.print(command, out, () => `campaign ${out.campaign.id} (${out.campaign.name}): ${out.items} item(s), due ${out.campaign.dueAt}`);
        },
        { route: campaignCreateRoute },
      ),
    );
  campaign
    .command('list')
    .description('campaigns, newest first')
    .action((_o: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await campaigns(ctx);
        cli.print(command, { items }, () =>
          table(
            ['id', 'name', 'scope', 'status', 'due'],
            items.map((c) => [c.id, c.name, c.scope, c.status, c.dueAt]),
          ),
        );
      }),
    );
  campaign
    .command('show')
    .description('a campaign and its progress per reviewer')
    .argument('<id>', 'campaign id')
    .action((id: string, _o: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const out = await campaignProgress(ctx, id);
        cli.print(command, out, () => [
          `campaign ${out.campaign.id} ${out.campaign.name}: ${out.campaign.status}, due ${out.campaign.dueAt}, unanswered items ${out.campaign.unanswered === 'revoke' ? 'revoked' : 'escalated'}`,
          ...table(
            ['reviewer', 'items', 'decided', 'kept', 'revoked'],
            out.progress.map((p) => [p.reviewer_id ?? 'unassigned', p.items, p.decided, p.kept, p.revoked]),
          ),
        ]);
      }),
    );
  campaign
    .command('evidence')
    .description("the campaign's evidence (who decided what, when), signed by the audit key and recorded in the audit chain")
    .argument('<id>', 'campaign id')
    .requiredOption('--out <file>', 'where to write the signed evidence')
    .action((id: string, opts: { out: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const e = await campaignEvidence({ ...campaignDeps(ctx), signer: ctx.auditKeys.signer }, id, by.actor, cli.correlationId);
          try {
            await writeFile(opts.out, e.text, { mode: 0o600 });
          } catch (error) {
            throw new MusterError('MUSTER_ERR_OUTPUT_FILE', `cannot write ${opts.out}: ${(error as Error).message}`, [{ file: opts.out, message: 'unwritable' }], { cause: error });
          }
          cli.print(command, { file: opts.out, sha256: e.sha256, items: e.body.items.length }, () => `wrote ${opts.out} (${e.body.items.length} items, sha256 ${e.sha256})`);
        },
        { route: campaignEvidenceRoute },
      ),
    );
  campaign
    .command('run-due')
    .description('close the campaigns past their due date and send the reminders now (the scheduler does this every minute)')
    .action((_o: unknown, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx) => {
          const out = await runCampaignTask(campaignDeps(ctx), campaignDeliver(ctx));
          cli.print(command, out, () => `${out.closed} campaign(s) closed, ${out.reminded} reviewer(s) reminded`);
        },
        { route: campaignCreateRoute },
      ),
    );
  review
    .command('items')
    .description("a reviewer's worklist: the items still to decide")
    .option('--reviewer <id>', 'the reviewer (identity id); all reviewers when left out')
    .option('--campaign <id>', 'one campaign')
    .option('--escalated', 'the escalated items still undecided')
    .option('--all', 'decided items too')
    .action((opts: { reviewer?: string; campaign?: string; escalated?: boolean; all?: boolean }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await reviewItems(ctx, { reviewerId: opts.reviewer, campaignId: opts.campaign, escalated: opts.escalated, all: opts.all });
        cli.print(command, { items }, () => (items.length === 0 ? 'nothing to review' : itemTable(items)));
      }),
    );
  review
    .command('restore')
    .description('give back an entitlement a campaign revoked: the revocation is lifted and the policies decide again (access to a relying party: it is told, its account pushed again)')
    .argument('<identity>', 'identity id')
    .argument('<entitlement>', 'target/group, e.g. directory/server-admins, or agreement:<id>/<client id> for a relying party')
    .requiredOption('--reason <text>', 'why (audited)')
    .action((identity: string, entitlement: string, opts: { reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const [target = '', ...group] = entitlement.split('/');
          await restoreEntitlement(ctx, { identityId: identity, target, entitlement: group.join('/'), reason: opts.reason, ...byOperator(cli, by) });
          cli.print(command, { restored: { identityId: identity, target, entitlement: group.join('/') } }, () => `${entitlement} restored for ${identity}: the policies decide again`);
        },
        { route: campaignCreateRoute },
      ),
    );
  review
    .command('decide')
    .description('keep or revoke one item, as the reviewer whose token is in MUSTER_TOKEN')
    .argument('<item>', 'item id')
    .requiredOption('--decision <d>', 'keep or revoke')
    .requiredOption('--comment <text>', 'why (kept with the decision)')
    .action((item: string, opts: { decision: string; comment: string }, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        const out = await decideItem(campaignDeps(ctx), {
          itemId: item,
          decision: opts.decision,
          comment: opts.comment,
          actor: by.actor,
          reviewerId: by.identityId,
          roles: by.roles,
          correlationId: cli.correlationId,
        });
        cli.print(command, { item: out }, () => `item ${out.id}: ${out.decision}`);
      }),
    );
}

function archiveCommand(program: Command, cli: Cli): void {
  const identity = program.commands.find((c) => c.name() === 'identity') ?? program.command('identity');
  identity
    .command('archive')
    .description(
      'archive the identities terminated more than governance.retention.archiveAfterDays ago (read-only, kept with history and audit); their accounts in targets with deleteOnArchive are deleted there',
    )
    .option('--dry-run', 'only list who is due and the accounts that would be deleted')
    .action((opts: { dryRun?: boolean }, command: Command) =>
      opts.dryRun
        ? cli.withMuster(command, (ctx) => archiveCandidates(cli, command, ctx))
        : withOperator(cli, command, (ctx, by) => archiveNow(cli, command, ctx, by.actor), { route: campaignCreateRoute }),
    );
}

async function archiveCandidates(cli: Cli, command: Command, ctx: Muster): Promise<void> {
  const deps = archiveDeps(ctx);
  {
    const items = await dueForArchiving(deps);
    cli.print(command, { dryRun: true, items }, () =>
      items.length === 0
        ? 'nobody is due for archiving'
        : table(
            ['identity', 'name', 'terminated', 'accounts deleted'],
            items.map((i) => [i.identityId, i.fullName, i.terminatedAt, i.deletions.map((d) => `${d.target}/${d.account}`).join(' ') || '-']),
          ),
    );
    return;
  }
}

async function archiveNow(cli: Cli, command: Command, ctx: Muster, actor: string): Promise<void> {
  const archived = await archiveDue(archiveDeps(ctx), actor);
  cli.print(command, { archived }, () => `${archived.length} identit${archived.length === 1 ? 'y' : 'ies'} archived`);
}

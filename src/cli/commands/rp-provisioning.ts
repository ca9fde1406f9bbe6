import type { Command } from 'commander';
import { agreementProvisionRoute } from '../../http/routes/rp-provisioning.ts';
import { byOperator, withOperator } from './as-operator.ts';
import { agreementProvisioning, provisionAgreement } from '../../federation/provisioning/agreement-push.ts';
import type { ProvisioningView } from '../../federation/provisioning/records.ts';
import type { CommandGroup } from '../main.ts';
import { table } from '../render.ts';
import { federationCommand } from './agreements.ts';
import { integer } from './options.ts';

function accountTable(items: readonly ProvisioningView[]): string[] {
  return table(
    ['IDENTITY', 'CLIENT', 'STATE', 'SUB', 'REMOTE ID', 'SYNCED', 'EXTENSION'],
    items.map((i) => [i.identityId, i.clientId, i.state, i.sub ?? '', i.remoteId ?? '', i.syncedAt ?? '', i.extension ?? '']),
  );
}

/** `muster federation provision <agreement>` and `muster federation provisioning <agreement>`. */
export const rpProvisioningCommands: CommandGroup = (program, cli) => {
  const federation = federationCommand(program);
  federation
    .command('provision')
    .description("push an agreement's whole population to its relying parties' SCIM services (queued for the worker; only differences are sent)")
    .argument('<agreement>', 'trust agreement id')
    .action((agreementId: string, _opts: unknown, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const push = await provisionAgreement(ctx, agreementId, byOperator(cli, by));
          cli.print(
            command,
            { push },
            () => `agreement ${push.agreementId} v${push.version}: ${push.queued} identities queued for ${push.clientIds.join(', ')} (${push.alreadyQueued} already waiting); the worker pushes them`,
          );
        },
        { route: agreementProvisionRoute, params: { id: agreementId } },
      ),
    );
  federation
    .command('provisioning')
    .description('the accounts pushed under an agreement: per identity and relying party, where each stands')
    .argument('<agreement>', 'trust agreement id')
    .option('--limit <n>', 'accounts per page (1–500)', integer('limit'))
    .option('--cursor <cursor>', 'the next page, as the previous one named it')
    .action((agreementId: string, opts: { limit?: number; cursor?: string }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const page = await agreementProvisioning(ctx.store, agreementId, opts);
        cli.print(command, page, () => [...(page.items.length === 0 ? ['no accounts pushed'] : accountTable(page.items)), ...(page.nextCursor ? [`next page: --cursor ${page.nextCursor}`] : [])]);
      }),
    );
};

import type { Command } from 'commander';
import { MusterError } from '../../core/errors.ts';
import { type CatalogueItem, CatalogueService } from '../../governance/catalogue/index.ts';
import { catalogueDisableRoute, catalogueSaveRoute } from '../../http/routes/catalogue.ts';
import type { Muster } from '../../runtime/context.ts';
import type { Cli } from '../cli.ts';
import type { CommandGroup } from '../main.ts';
import { table } from '../render.ts';
import { withOperator } from './as-operator.ts';
import { readFlagFile } from './file-input.ts';

function catalogueOf(ctx: Muster): CatalogueService {
  return new CatalogueService({ store: ctx.store, audit: ctx.audit, clock: ctx.clock, targets: ctx.accessTargets.names });
}

async function readDocument(path: string): Promise<unknown> {
  const text = await readFlagFile('file', path);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `--file: ${path} is not JSON: ${(error as Error).message}`, [{ field: 'file', value: path, message: 'not JSON' }]);
  }
}

/** What an item gives, in a word: `ldap/ops-admins`, `role:auditor`, `rp:benefits`. */
export function itemGives(item: CatalogueItem): string {
  const d = item.document;
  if (d.kind === 'group') return `${d.target}/${d.group}`;
  if (d.kind === 'role') return `role:${d.role}`;
  return `rp:${d.agreement}`;
}

function itemTable(items: readonly CatalogueItem[]): string[] {
  return table(
    ['NAME', 'VERSION', 'GIVES', 'PRIVILEGED', 'MAX DAYS', 'APPROVALS', 'ACTIVATION', 'ENABLED'],
    items.map((i) => [i.name, i.version, itemGives(i), i.document.privileged ? 'yes' : 'no', i.document.maxDays, i.document.approvals.join(' then '), i.document.activation, i.enabled ? 'yes' : 'no']),
  );
}

function savedLine(i: CatalogueItem): string {
  return `catalogue item ${i.name} version ${i.version} ${i.enabled ? 'saved' : 'disabled'}`;
}

/** `muster catalogue list|show|set|disable`: the catalogue of requestable access. */
export const catalogueCommands: CommandGroup = (program, cli: Cli) => {
  const catalogue = program.command('catalogue').description('the catalogue of requestable access: groups in targets, operator roles, relying parties');
  catalogue
    .command('list')
    .description('every item: its newest version, offered or not')
    .action((_opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await catalogueOf(ctx).list();
        cli.print(command, { items }, () => (items.length === 0 ? 'no catalogue items' : itemTable(items)));
      }),
    );
  catalogue
    .command('show')
    .description('every version of one item, newest first, and its newest document')
    .argument('<name>', 'item name')
    .action((name: string, _opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await catalogueOf(ctx).history(name);
        cli.print(command, { items }, () => [...itemTable(items), '', JSON.stringify(items[0]?.document, null, 2)]);
      }),
    );
  catalogue
    .command('set')
    .description("save an item document as the item's next version (offered)")
    .argument('<name>', 'item name')
    .requiredOption('--file <file>', 'the item document (JSON)')
    .requiredOption('--reason <text>', 'why (kept with the version and in the audit log)')
    .action((name: string, opts: { file: string; reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const saved = await catalogueOf(ctx).save(name, await readDocument(opts.file), by.actor, opts.reason);
          cli.print(command, { item: saved }, () => savedLine(saved));
        },
        { route: catalogueSaveRoute, params: { name } },
      ),
    );
  catalogue
    .command('disable')
    .description('stop offering an item; grants already made run to their end dates')
    .argument('<name>', 'item name')
    .requiredOption('--reason <text>', 'why (kept with the version and in the audit log)')
    .action((name: string, opts: { reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const disabled = await catalogueOf(ctx).disable(name, by.actor, opts.reason);
          cli.print(command, { item: disabled }, () => savedLine(disabled));
        },
        { route: catalogueDisableRoute, params: { name } },
      ),
    );
};

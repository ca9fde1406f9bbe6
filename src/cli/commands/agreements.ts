import { readFile } from 'node:fs/promises';
import { agreementSaveRoute, agreementStatusRoute } from '../../http/routes/agreements.ts';
import { saveOrProposeAgreement } from '../../runtime/pending-actions.ts';
import { withOperator } from './as-operator.ts';
import { proposedLines } from './pending.ts';
import type { Command } from 'commander';
import { MusterError } from '../../core/errors.ts';
import { type AgreementStatus, type AgreementVersion, AgreementService } from '../../federation/agreements.ts';
import type { Cli } from '../cli.ts';
import type { CommandGroup } from '../main.ts';
import { table } from '../render.ts';
import { mintRegistrationToken } from '../../protocols/oidc/clients.ts';
import { integer } from './options.ts';

/** The JSON document in the file given as `<file>`; an unreadable file or malformed JSON is refused naming it. */
async function readDocument(path: string): Promise<unknown> {
  const refuse = (message: string, detail: string) => new MusterError('MUSTER_ERR_VALIDATION', `<file> ${path}: ${message}`, [{ field: 'file', value: path, message: detail }]);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw refuse(`cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'unreadable');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw refuse(`not JSON: ${(error as Error).message}`, 'not JSON');
  }
}

function agreementTable(items: readonly AgreementVersion[]): string[] {
  return table(
    ['ID', 'VERSION', 'STATUS', 'NAME', 'RPS', 'AUTHOR', 'CREATED', 'REASON'],
    items.map((a) => [a.id, a.version, a.status, a.document.name, a.document.relyingParties.length, a.author, a.createdAt, a.reason]),
  );
}

function savedLine(a: AgreementVersion): string {
  return `trust agreement ${a.id} version ${a.version} saved (${a.status}); relying parties: ${a.document.relyingParties.map((rp) => rp.clientId).join(', ') || 'none'}`;
}

function readCommands(agreement: Command, cli: Cli): void {
  agreement
    .command('list')
    .description('every trust agreement: its newest version, whatever its status')
    .action((_opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await new AgreementService(ctx).list();
        cli.print(command, { items }, () => (items.length === 0 ? 'no trust agreements' : agreementTable(items)));
      }),
    );
  agreement
    .command('show')
    .description('one trust agreement: every version, newest first, and the document in force')
    .argument('<id>', 'agreement id')
    .action((id: string, _opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const history = await new AgreementService(ctx).history(id);
        cli.print(command, { agreement: history[0], history }, () => [...agreementTable(history), '', JSON.stringify(history[0]?.document, null, 2)]);
      }),
    );
}

function saveCommand(agreement: Command, cli: Cli): void {
  agreement
    .command('save')
    .description("save a trust agreement document as the agreement's next version; its relying parties become registered clients")
    .argument('<id>', 'agreement id')
    .argument('<file>', 'the agreement document (JSON)')
    .requiredOption('--reason <text>', 'why (kept with the version and in the audit log)')
    .action((id: string, file: string, opts: { reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const outcome = await saveOrProposeAgreement(ctx, id, await readDocument(file), opts.reason, { ...by, correlationId: cli.correlationId });
          if ('pending' in outcome) cli.print(command, { pendingAction: outcome.pending }, () => proposedLines(outcome.pending));
          else cli.print(command, { agreement: outcome.agreement }, () => savedLine(outcome.agreement));
        },
        { route: agreementSaveRoute, params: { id } },
      ),
    );
}

const STATUS_COMMANDS: readonly { name: string; status: AgreementStatus; description: string }[] = [
  { name: 'suspend', status: 'suspended', description: 'suspend a trust agreement: its relying parties sign no one in until it is activated' },
  { name: 'activate', status: 'active', description: 'activate a suspended trust agreement again' },
  { name: 'end', status: 'ended', description: 'end a trust agreement; this is final' },
];

function statusCommands(agreement: Command, cli: Cli): void {
  for (const { name, status, description } of STATUS_COMMANDS) {
    agreement
      .command(name)
      .description(description)
      .argument('<id>', 'agreement id')
      .requiredOption('--reason <text>', 'why (kept with the version and in the audit log)')
      .action((id: string, opts: { reason: string }, command: Command) =>
        withOperator(
          cli,
          command,
          async (ctx, by) => {
            const changed = await new AgreementService(ctx).setStatus(id, status, by.actor, opts.reason);
            cli.print(command, { agreement: changed }, () => `trust agreement ${changed.id} version ${changed.version} is ${changed.status}`);
          },
          { route: agreementStatusRoute, params: { id } },
        ),
      );
  }
}

function registrationTokenCommand(agreement: Command, cli: Cli): void {
  agreement
    .command('registration-token')
    .description('mint an initial access token for dynamic client registration under an agreement that allows it (FAL2 and below, pairwise subjects)')
    .argument('<id>', 'agreement id')
    .option('--ttl <seconds>', 'lifetime of the token', integer('ttl'), 86_400)
    .requiredOption('--reason <text>', 'who receives it and why (kept in the audit log; the token itself is not)')
    .action((id: string, opts: { ttl: number; reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const token = await mintRegistrationToken(ctx.store, ctx.clock, id, opts.ttl);
          const expiresAt = new Date(ctx.clock.now().getTime() + opts.ttl * 1000).toISOString();
          await ctx.store.transaction((tx) =>
            ctx.audit.append(
              tx,
              [{ actor: by.actor, action: 'oidc.registration-token.minted', target: `agreement:${id}`, reason: opts.reason, data: { agreement: id, expiresAt } }],
              cli.correlationId,
            ),
          );
          cli.print(command, { agreement: id, token, expiresAt }, () => [`initial access token for dynamic registration under ${id} (until ${expiresAt}):`, token]);
        },
        // who may let relying parties register themselves under an agreement: who may write it
        { route: agreementSaveRoute, params: { id } },
      ),
    );
}

/** The `federation` command, shared by the groups that add subcommands to it. */
export function federationCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'federation') ?? program.command('federation').description('PIV federation: trust agreements, relying parties, the home agency IdP');
}

/** `muster federation agreement list|show|save|suspend|activate|end`: versioned trust agreements. */
export const agreementCommands: CommandGroup = (program, cli) => {
  const agreement = federationCommand(program).command('agreement').description('trust agreements with relying parties (SP 800-217 §3)');
  readCommands(agreement, cli);
  saveCommand(agreement, cli);
  statusCommands(agreement, cli);
  registrationTokenCommand(agreement, cli);
};

import type { Command } from 'commander';
import { cardIssueRoute, cardOperationRoutes, cardReissueRoute, cardTerminateRoute, cardUpdateRoute } from '../../http/routes/cards.ts';
import { byOperator, withOperator } from './as-operator.ts';
import type { TerminationReason } from '../../core/credential/status.ts';
import { getCredential, listCredentials, type CredentialDetail } from '../../credentials/queries.ts';
import type { Cli } from '../cli.ts';
import { table } from '../render.ts';
import { readFlagFile } from './file-input.ts';
import { isoDate } from './options.ts';

interface IssueOptions {
  identity: string;
  pivCsr: string;
  cardAuthCsr: string;
  expires: Date;
  cardUuid?: string;
}

function credentialLines(c: CredentialDetail): string[] {
  return [
    `${c.type} ${c.id} (${c.status}) reference ${c.reference ?? '-'}, issued ${c.issuedAt ?? '-'}, expires ${c.expiresAt ?? '-'}`,
    ...c.certificates.map((x) => `  ${x.profile} ${x.serial} ${x.status}${x.reason ? ` (${x.reason})` : ''} until ${x.notAfter}`),
  ];
}

function operations(card: Command, cli: Cli): void {
  for (const name of ['activate', 'suspend', 'reinstate'] as const) {
    card
      .command(name)
      .description(`${name} a PIV card`)
      .argument('<credential>', "the card's credential id")
      .requiredOption('--reason <text>', 'why (kept in the audit log)')
      .action((id: string, opts: { reason: string }, command: Command) =>
        withOperator(
          cli,
          command,
          async (ctx, by) => {
            await (await ctx.credentials()).cards[name](id, byOperator(cli, by), opts.reason);
            const view = await getCredential(ctx.store, id);
            cli.print(command, { credential: view }, () => credentialLines(view));
          },
          { route: cardOperationRoutes[name], params: { id } },
        ),
      );
  }
  card
    .command('terminate')
    .description('terminate a card: every certificate revoked')
    .argument('<credential>', 'credential id')
    .requiredOption('--reason <reason>', 'lost, stolen, compromised, damaged, superseded, left or withdrawn')
    .action((id: string, opts: { reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          await (await ctx.credentials()).cards.terminate(id, opts.reason, byOperator(cli, by));
          const view = await getCredential(ctx.store, id);
          cli.print(command, { credential: view }, () => credentialLines(view));
        },
        { route: cardTerminateRoute, params: { id } },
      ),
    );
}

/** `muster card issue|show|list|activate|suspend|reinstate|reissue|terminate`: PIV cards (FIPS 201-3). */
export function cardCommands(program: Command, cli: Cli): void {
  const card = program.command('card').description('PIV cards: issue from on-card CSRs, activate, suspend, reinstate, reissue, terminate');
  card
    .command('issue')
    .description("issue a PIV card (state issued) for an active person with favorable TRUST, on the person's recorded sponsorship and IAL3 proofing")
    .requiredOption('--identity <id>', 'identity id')
    .requiredOption('--piv-csr <file>', 'PKCS#10 of the PIV Authentication key')
    .requiredOption('--card-auth-csr <file>', 'PKCS#10 of the Card Authentication key')
    .requiredOption('--expires <date>', 'card expiry (≤ 6 years)', isoDate('expires'))
    .option('--card-uuid <uuid>', 'card UUID (random when absent)')
    .action((opts: IssueOptions, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const request = {
            identityId: opts.identity,
            expiresAt: opts.expires,
            pivAuthCsr: await readFlagFile('piv-csr', opts.pivCsr),
            cardAuthCsr: await readFlagFile('card-auth-csr', opts.cardAuthCsr),
            ...(opts.cardUuid ? { cardUuid: opts.cardUuid } : {}),
          };
          const issued = await (await ctx.credentials()).cards.issue(request, byOperator(cli, by));
          cli.print(command, { card: issued }, () => [
            `issued card ${issued.cardUuid} (credential ${issued.credentialId}, FASC-N ${issued.fascn})`,
            ...issued.certificates.map((c) => `  ${c.profile} ${c.serial} until ${c.notAfter.toISOString()}`),
          ]);
        },
        { route: cardIssueRoute },
      ),
    );
  card
    .command('show')
    .description('a credential with its certificates')
    .argument('<credential>', 'credential id')
    .action((id: string, _opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const view = await getCredential(ctx.store, id);
        cli.print(command, { credential: view }, () => credentialLines(view));
      }),
    );
  card
    .command('list')
    .description("an identity's credentials (cards and derived)")
    .requiredOption('--identity <id>', 'identity id')
    .action((opts: { identity: string }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await listCredentials(ctx.store, opts.identity);
        cli.print(command, { items }, () =>
          items.length === 0
            ? 'no credentials'
            : table(
                ['CREDENTIAL', 'TYPE', 'STATUS', 'REFERENCE', 'CERTIFICATES'],
                items.map((c) => [c.id, c.type, c.status, c.reference ?? '-', String(c.certificates.length)]),
              ),
        );
      }),
    );
  operations(card, cli);
  card
    .command('update')
    .description('post-issuance update: new certificates for the keys given, same FASC-N and card UUID')
    .argument('<credential>', 'credential id')
    .requiredOption('--reason <text>', 'why (e.g. name change)')
    .option('--piv-csr <file>', 'new PIV Authentication CSR')
    .option('--card-auth-csr <file>', 'new Card Authentication CSR')
    .action((id: string, opts: { reason: string; pivCsr?: string; cardAuthCsr?: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const update = {
            reason: opts.reason,
            ...(opts.pivCsr ? { pivAuthCsr: await readFlagFile('piv-csr', opts.pivCsr) } : {}),
            ...(opts.cardAuthCsr ? { cardAuthCsr: await readFlagFile('card-auth-csr', opts.cardAuthCsr) } : {}),
          };
          await (await ctx.credentials()).cards.update(id, update, byOperator(cli, by));
          const view = await getCredential(ctx.store, id);
          cli.print(command, { credential: view }, () => credentialLines(view));
        },
        { route: cardUpdateRoute, params: { id } },
      ),
    );
  card
    .command('reissue')
    .description('replace a card: new FASC-N and card UUID for the same identity; the old card is terminated')
    .argument('<credential>', "the old card's credential id")
    .requiredOption('--reason <reason>', 'lost, stolen, compromised, damaged or superseded')
    .requiredOption('--piv-csr <file>', 'new PIV Authentication CSR')
    .requiredOption('--card-auth-csr <file>', 'new Card Authentication CSR')
    .requiredOption('--expires <date>', 'new card expiry', isoDate('expires'))
    .requiredOption('--verified-by <who>', "the operator who verified the cardholder's biometrics")
    .action((id: string, opts: { reason: string; pivCsr: string; cardAuthCsr: string; expires: Date; verifiedBy: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const request = {
            reason: opts.reason as TerminationReason,
            expiresAt: opts.expires,
            pivAuthCsr: await readFlagFile('piv-csr', opts.pivCsr),
            cardAuthCsr: await readFlagFile('card-auth-csr', opts.cardAuthCsr),
            verifiedBy: opts.verifiedBy,
          };
          const issued = await (await ctx.credentials()).cards.reissue(id, request, byOperator(cli, by));
          cli.print(command, { card: issued }, () => `card ${id} replaced by ${issued.cardUuid} (credential ${issued.credentialId}, FASC-N ${issued.fascn})`);
        },
        { route: cardReissueRoute, params: { id } },
      ),
    );
}

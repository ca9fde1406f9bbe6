import type { Command } from 'commander';
import { MusterError } from '../../core/errors.ts';
import { type AccessRequest, type Decision, RequestService, type Requester } from '../../governance/index.ts';
import type { OperatorPrincipal } from '../../operators/principal.ts';
import type { Muster } from '../../runtime/context.ts';
import type { Cli } from '../cli.ts';
import type { CommandGroup } from '../main.ts';
import { table } from '../render.ts';
import { withOperator } from './as-operator.ts';
import { readFlagFile } from './file-input.ts';
import { activationService, pivChallengeVerifier } from '../../runtime/access-activation.ts';
import { readFile } from 'node:fs/promises';

const DAY_MS = 86_400_000;

function requestsOf(ctx: Muster): RequestService {
  return new RequestService({ store: ctx.store, audit: ctx.audit, clock: ctx.clock, config: ctx.config });
}

function requesterOf(cli: Cli, by: OperatorPrincipal): Requester {
  return { identityId: by.identityId, actor: by.actor, correlationId: cli.correlationId };
}

/** `--until`: an ISO 8601 time, or days ahead (`30d`, `30`). */
export function parseUntil(text: string, now: Date): Date {
  const days = /^(\d{1,4})d?$/.exec(text.trim());
  if (days) return new Date(now.getTime() + Number(days[1]) * DAY_MS);
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new MusterError('MUSTER_ERR_VALIDATION', '--until is an ISO 8601 time or days ahead (30d)', [{ field: 'until', value: text, message: 'not a time' }]);
  return at;
}

function requestTable(items: readonly AccessRequest[]): string[] {
  return table(
    ['ID', 'ITEM', 'GIVES', 'FOR', 'STATUS', 'WAITING ON', 'DUE', 'ENDS'],
    items.map((r) => [r.id, r.item, r.gives, r.beneficiaryId, r.status, r.waitingOn ?? '', r.stepDueAt ?? '', r.endsAt]),
  );
}

const line = (r: AccessRequest) => `request ${r.id} (${r.item} for ${r.beneficiaryId}) is ${r.status}${r.waitingOn ? `, waiting on ${r.waitingOn}` : ''}`;

function decideCommand(access: Command, cli: Cli, verb: Decision): void {
  access
    .command(verb)
    .description(verb === 'approve' ? 'approve the step of a request waiting on you; the last approval grants it' : 'deny a request waiting on you')
    .argument('<id>', 'the request')
    .requiredOption('--reason <text>', 'why (kept with the decision and in the audit log)')
    .action((id: string, opts: { reason: string }, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        const decided = await requestsOf(ctx).decide(id, verb, opts.reason, requesterOf(cli, by));
        cli.print(command, { request: decided }, () => line(decided));
      }),
    );
}

/** `muster access request|list|inbox|approve|deny`: access requests from the catalogue, as the operator of MUSTER_TOKEN. */
export const accessCommands: CommandGroup = (program, cli) => {
  const access = program.command('access').description('request access from the catalogue and decide requests waiting on you; acts as the operator of MUSTER_TOKEN');
  access
    .command('request')
    .description('request a catalogue item for yourself, or for a direct report with --for')
    .requiredOption('--item <name>', 'the catalogue item')
    .requiredOption('--justification <text>', 'why the access is needed')
    .requiredOption('--until <when>', "when it ends: an ISO 8601 time or days ahead (30d), at most the item's maximum")
    .option('--for <identity-id>', 'a direct report (the MUR names you as their manager)')
    .action((opts: { item: string; justification: string; until: string; for?: string }, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        const made = await requestsOf(ctx).request(
          { item: opts.item, beneficiaryId: opts.for, justification: opts.justification, endsAt: parseUntil(opts.until, ctx.clock.now()) },
          requesterOf(cli, by),
        );
        cli.print(command, { request: made }, () => line(made));
      }),
    );
  access
    .command('list')
    .description('the requests you made or benefit from, newest first')
    .action((_opts: unknown, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        const items = await requestsOf(ctx).mine(by.identityId);
        cli.print(command, { items }, () => (items.length === 0 ? 'no requests' : requestTable(items)));
      }),
    );
  access
    .command('inbox')
    .description('requests waiting on a decision you may give, oldest first')
    .action((_opts: unknown, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        const items = await requestsOf(ctx).inbox(by.identityId);
        cli.print(command, { items }, () => (items.length === 0 ? 'nothing waiting on you' : requestTable(items)));
      }),
    );
  decideCommand(access, cli, 'approve');
  decideCommand(access, cli, 'deny');
  activationCommands(access, cli);
};

/** `muster access challenge|activate`: just-in-time activation with a challenge signed by the PIV card. */
function activationCommands(access: Command, cli: Cli): void {
  access
    .command('challenge')
    .description('a challenge to sign with your PIV Authentication key, to activate a just-in-time grant (usable once, for a few minutes)')
    .argument('<id>', 'your granted request of a jit item')
    .action((id: string, _opts: unknown, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        const challenge = await activationService(ctx).challenge(id, requesterOf(cli, by));
        cli.print(command, challenge, () => [challenge.nonce, `sign the base64url-decoded bytes with the PIV Authentication key before ${challenge.expiresAt}`]);
      }),
    );
  access
    .command('activate')
    .description('activate a just-in-time grant with the challenge signed by your PIV card')
    .argument('<id>', 'your granted request of a jit item')
    .requiredOption('--challenge <nonce>', 'the challenge from `muster access challenge`')
    .requiredOption('--certificate <file>', "the card's PIV Authentication certificate (PEM)")
    .requiredOption('--signature <file>', 'the signature over the challenge bytes (DER, or base64 text)')
    .action((id: string, opts: { challenge: string; certificate: string; signature: string }, command: Command) =>
      withOperator(cli, command, async (ctx, by) => {
        const proof = { pivCertificate: await readFlagFile('certificate', opts.certificate), signature: signatureText(await readFile(opts.signature)) };
        const done = await activationService(ctx).withChallenge(id, opts.challenge, pivChallengeVerifier(ctx, proof), requesterOf(cli, by));
        cli.print(command, { activation: done }, () => `${done.item} is active until ${done.activeUntil}`);
      }),
    );
}

/** A signature file: base64 text as written, or raw DER (as `openssl dgst -sign` or a card tool writes it) in base64. */
function signatureText(bytes: Buffer): string {
  const text = bytes.toString('latin1').trim();
  return /^[A-Za-z0-9+/_=-]+$/.test(text) ? text : bytes.toString('base64');
}

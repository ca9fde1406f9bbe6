import { mkdir, writeFile } from 'node:fs/promises';
import { derivedChallengeRoute, derivedPkiRoute, derivedTerminateRoute } from '../../http/routes/derived.ts';
import { exceptionEndRoute, exceptionGrantRoute } from '../../http/routes/exceptions.ts';
import { join } from 'node:path';
import type { Command } from 'commander';
import { getCertificate } from '../../credentials/queries.ts';
import { crlPem } from '../../pki/crl.ts';
import { pemCertificates } from '../../pki/pem.ts';
import { latestCrl } from '../../pki/store/crl-store.ts';
import { parseCrl } from '../../pki/x509.ts';
import { requireAnyRole } from '../../operators/principal.ts';
import { CA_ROOT_EXPORT, CA_ROOT_IMPORT, CA_ROOT_REMOVE, rootImportPayload } from '../../runtime/ca-pending.ts';
import { pendingActions } from '../../runtime/pending-actions.ts';
import { revocationUrls } from '../../runtime/pki.ts';
import type { Cli } from '../cli.ts';
import { readFlagFile } from './file-input.ts';
import { isoDate } from './options.ts';
import { byOperator, withOperator } from './as-operator.ts';
import { proposedLines } from './pending.ts';

function derivedCommands(program: Command, cli: Cli): void {
  const derived = program.command('derived').description('Derived PIV credentials (SP 800-157r1): bind after a PIV Authentication, end');
  derived
    .command('challenge')
    .description('open a binding ceremony: prints the challenge to sign with the PIV Authentication key')
    .requiredOption('--identity <id>', 'identity id')
    .action((opts: { identity: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const start = await (await ctx.credentials()).derived.start(opts.identity, byOperator(cli, by));
          cli.print(command, start, () => [`challenge ${start.challengeId} (until ${start.expiresAt.toISOString()})`, `sign these bytes (base64url): ${start.challenge}`]);
        },
        { route: derivedChallengeRoute },
      ),
    );
  derived
    .command('bind-pki')
    .description('bind a PKI-based Derived PIV credential: a certificate for the device key in --csr')
    .requiredOption('--identity <id>', 'identity id')
    .requiredOption('--challenge <id>', 'challenge id')
    .requiredOption('--piv-cert <file>', 'the PIV Authentication certificate (PEM)')
    .requiredOption('--signature <base64>', 'signature over the challenge bytes with the PIV Authentication key')
    .requiredOption('--csr <file>', 'PKCS#10 of the device key')
    .option('--hardware', 'the device key is said to be hardware-backed (.41 only with --key-attestation)')
    .option('--key-attestation <file>', 'attestation certificate over the device key (PEM), chaining to credentials.keyAttestationRoots')
    .option('--attestation-chain <file>', 'intermediates of the attestation certificate (PEM)')
    .action(
      (opts: { identity: string; challenge: string; pivCert: string; signature: string; csr: string; hardware?: boolean; keyAttestation?: string; attestationChain?: string }, command: Command) =>
        withOperator(
          cli,
          command,
          async (ctx, by) => {
            const keyAttestation = opts.keyAttestation
              ? {
                  keyAttestation: {
                    certificate: await readFlagFile('key-attestation', opts.keyAttestation),
                    ...(opts.attestationChain ? { chain: pemCertificates(await readFlagFile('attestation-chain', opts.attestationChain)) } : {}),
                  },
                }
              : {};
            const request = {
              identityId: opts.identity,
              challengeId: opts.challenge,
              pivCertificate: await readFlagFile('piv-cert', opts.pivCert),
              signature: opts.signature,
              csr: await readFlagFile('csr', opts.csr),
              hardwareBacked: opts.hardware === true,
              ...keyAttestation,
            };
            const bound = await (await ctx.credentials()).derived.bindPki(request, byOperator(cli, by));
            const notice = bound.notice ? [`note: ${bound.notice}`] : [];
            cli.print(command, { credential: bound }, () => [
              `bound ${bound.type} ${bound.credentialId}: certificate ${bound.reference} (policy ${bound.policy})`,
              ...notice,
              bound.certificatePem ?? '',
            ]);
          },
          { route: derivedPkiRoute },
        ),
    );
  derived
    .command('terminate')
    .description('end a Derived PIV credential')
    .argument('<credential>', 'credential id')
    .requiredOption('--reason <reason>', 'lost, stolen, compromised or withdrawn')
    .action((id: string, opts: { reason: 'lost' | 'stolen' | 'compromised' | 'withdrawn' }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          await (await ctx.credentials()).derived.terminate(id, opts.reason, byOperator(cli, by));
          cli.print(command, { terminated: id }, () => `derived credential ${id} terminated`);
        },
        { route: derivedTerminateRoute, params: { id } },
      ),
    );
}

function caCommands(program: Command, cli: Cli): void {
  const ca = program.command('ca').description("muster's CA: root, issuing CA, OCSP responder, CRL");
  ca.command('show')
    .description('the CA certificates, the responder and the newest CRL')
    .action((_opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const m = await ctx.ca();
        const crl = await latestCrl(ctx.store, m.issuing.name);
        const value = {
          root: m.root.certificate.subject,
          issuing: m.issuing.certificate.subject,
          responder: m.responder.certificate.subject,
          responderNotAfter: m.responder.certificate.notAfter,
          crl: crl && { number: crl.number, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate, revoked: crl.revoked },
          urls: revocationUrls(ctx.config),
        };
        cli.print(command, value, () => [
          `root       ${value.root}`,
          `issuing    ${value.issuing}`,
          `responder  ${value.responder} (until ${value.responderNotAfter.toISOString()})`,
          `CRL        ${crl ? `#${crl.number}, ${crl.revoked} revoked, next update ${crl.nextUpdate.toISOString()}` : 'none published yet (muster serve publishes)'}`,
          `OCSP       ${value.urls.ocsp}`,
        ]);
      }),
    );
  ca.command('export')
    .description('write root.pem, issuing.pem, ocsp-responder.pem and the newest CRLs (issuing.crl, root.crl; PEM) to a folder')
    .requiredOption('--out <dir>', 'folder')
    .action((opts: { out: string }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const m = await ctx.ca();
        await mkdir(opts.out, { recursive: true });
        const files: Record<string, string> = {
          'root.pem': m.root.certificate.toString('pem'),
          'issuing.pem': m.issuing.certificate.toString('pem'),
          'ocsp-responder.pem': m.responder.certificate.toString('pem'),
        };
        const crl = await latestCrl(ctx.store, m.issuing.name);
        if (crl) files['issuing.crl'] = crlPem(parseCrl(crl.der.slice()));
        const rootCrl = await latestCrl(ctx.store, m.root.name);
        if (rootCrl) files['root.crl'] = crlPem(parseCrl(rootCrl.der.slice()));
        for (const [name, text] of Object.entries(files)) await writeFile(join(opts.out, name), text.endsWith('\n') ? text : `${text}\n`);
        cli.print(command, { files: Object.keys(files).map((f) => join(opts.out, f)) }, () => `wrote ${Object.keys(files).join(', ')} to ${opts.out}`);
      }),
    );
  rootCommands(ca, cli);
  program
    .command('cert')
    .description('issued certificates')
    .command('show')
    .description('one certificate with its status')
    .argument('<serial>', 'hex serial')
    .action((serial: string, _opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const c = await getCertificate(ctx.store, serial);
        cli.print(command, { certificate: c }, () => [
          `${c.profile} ${c.serial}: ${c.status}${c.reason ? ` (${c.reason}, ${c.revokedAt})` : ''}`,
          `identity ${c.identityId}, credential ${c.credentialId}, valid ${c.notBefore} – ${c.notAfter}`,
          c.pem,
        ]);
      }),
    );
}

function rootCommands(ca: Command, cli: Cli): void {
  const root = ca.command('root').description('take the root CA key offline and bring it back (docs/keys.md, the root key ceremony); each step waits for a second ca-operator');
  const propose = (command: Command, kind: string, summary: string, payload: () => Promise<Record<string, unknown>>) =>
    withOperator(cli, command, async (ctx, by) => {
      requireAnyRole(by, ['ca-operator'], 'a root key ceremony');
      const action = await pendingActions(ctx).propose({ kind, target: 'ca:root', summary, payload: await payload(), reason: summary }, { ...by, correlationId: cli.correlationId });
      cli.print(command, { pendingAction: action }, () => proposedLines(action));
    });
  root
    .command('export')
    .description('propose writing the root CA key, encrypted PKCS#8 under the key passphrase, to a new file; written when a second ca-operator confirms (audited)')
    .requiredOption('--out <file>', 'file to create (never overwritten)')
    .action((opts: { out: string }, command: Command) => propose(command, CA_ROOT_EXPORT, `export the root CA key to ${opts.out}`, async () => ({ out: opts.out })));
  root
    .command('remove')
    .description('propose removing the root CA key from the store after its export; the root then signs nothing (audited)')
    .action((_opts: unknown, command: Command) => propose(command, CA_ROOT_REMOVE, 'take the root CA key offline', async () => ({})));
  root
    .command('import')
    .description('propose bringing an exported root CA key back into the store (audited)')
    .argument('<file>', 'the exported key')
    .action((file: string, _opts: unknown, command: Command) => propose(command, CA_ROOT_IMPORT, `bring the root CA key back from ${file}`, () => rootImportPayload(file)));
}

function exceptionCommands(program: Command, cli: Cli): void {
  const group = program.command('exception').description('documented credential policy exceptions; each expires by itself');
  group
    .command('grant')
    .description('record an approved exception')
    .requiredOption('--identity <id>', 'identity id')
    .requiredOption('--kind <kind>', 'e.g. temporary-credential, card-replacement')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--control <text>', 'the compensating control')
    .requiredOption('--requested-by <who>', 'requester')
    .requiredOption('--approved-by <who>', 'approver (not the requester)')
    .requiredOption('--expires <date>', 'when it ends by itself', isoDate('expires'))
    .option('--credential <id>', 'a temporary credential it covers (terminated when it ends)')
    .action((o: { identity: string; kind: string; reason: string; control: string; requestedBy: string; approvedBy: string; expires: Date; credential?: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const request = {
            identityId: o.identity,
            kind: o.kind,
            reason: o.reason,
            compensatingControl: o.control,
            requestedBy: o.requestedBy,
            approvedBy: o.approvedBy,
            expiresAt: o.expires,
            ...(o.credential ? { credentialId: o.credential } : {}),
          };
          const granted = await (await ctx.credentials()).exceptions.grant(request, byOperator(cli, by));
          cli.print(command, { exception: granted }, () => `exception ${granted.id} granted until ${granted.expiresAt.toISOString()}`);
        },
        { route: exceptionGrantRoute },
      ),
    );
  group
    .command('list')
    .description('exceptions, newest first')
    .option('--identity <id>', 'only this identity')
    .action((o: { identity?: string }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await (await ctx.credentials()).exceptions.list(o.identity);
        cli.print(command, { items }, () =>
          items.length === 0
            ? 'no exceptions'
            : items.map((e) => `${e.id} ${e.status} ${e.kind} until ${e.expiresAt.toISOString()}: ${e.reason} (approved by ${e.approvedBy}; control: ${e.compensatingControl})`),
        );
      }),
    );
  group
    .command('end')
    .description('end an exception early')
    .argument('<id>', 'exception id')
    .requiredOption('--reason <text>', 'why')
    .action((id: string, o: { reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          await (await ctx.credentials()).exceptions.end(id, o.reason, byOperator(cli, by));
          cli.print(command, { ended: id }, () => `exception ${id} ended`);
        },
        { route: exceptionEndRoute, params: { id } },
      ),
    );
}

/** `muster derived …`, `muster ca …`, `muster cert …`, `muster exception …`. */
export function pkiCommands(program: Command, cli: Cli): void {
  derivedCommands(program, cli);
  caCommands(program, cli);
  exceptionCommands(program, cli);
}

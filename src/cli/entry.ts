import { DEMO_CARD_PASSWORD } from '../runtime/demo-operator-cards.ts';
import { seedDemoAgency } from '../runtime/demo-seed.ts';
import { seedDemoRelyingParty } from '../runtime/demo-federation.ts';
import type { Muster } from '../runtime/context.ts';
import { agreementCommands } from './commands/agreements.ts';
import { cardCommands } from './commands/cards.ts';
import { demoCommands } from './commands/demo.ts';
import { evidenceCommands } from './commands/evidence.ts';
import { pkiCommands } from './commands/pki.ts';
import { disputeCommands } from './commands/disputes.ts';
import { importCommands } from './commands/import.ts';
import { policyCommands } from './commands/policies.ts';
import { catalogueCommands } from './commands/catalogue.ts';
import { accessCommands } from './commands/access.ts';
import { jobCommands, provisionCommands } from './commands/provisioning.ts';
import { ticketCommands } from './commands/tickets.ts';
import { reconcileCommands } from './commands/reconcile.ts';
import { rpProvisioningCommands } from './commands/rp-provisioning.ts';
import { signalCommands } from './commands/signals.ts';
import { reportCommands } from './commands/report.ts';
import { governanceCommands } from './commands/governance.ts';
import { traceCommands } from './commands/trace.ts';
import { type ServeHooks, type ServeReadyInfo, stopAll } from './commands/serve.ts';
import { startWorkers, workerCommands } from './commands/worker.ts';
import { type CommandGroup, runCli } from './main.ts';

/**
 * The composition root of the shipped `muster` command (bin/muster.js runs `main`): the built-in
 * groups (serve, identity, token, audit) plus the groups and serve hooks listed here.
 */
export const SHIPPED_GROUPS: readonly CommandGroup[] = [
  importCommands,
  disputeCommands,
  demoCommands,
  cardCommands,
  pkiCommands,
  workerCommands,
  policyCommands,
  provisionCommands,
  jobCommands,
  ticketCommands,
  reconcileCommands,
  agreementCommands,
  rpProvisioningCommands,
  signalCommands,
  evidenceCommands,
  traceCommands,
  reportCommands,
  governanceCommands,
  catalogueCommands,
  accessCommands,
];

/** `muster serve`: with --demo, seed the demo agency into an empty MUR; once it answers, start the outbox worker (config.workers). */
export const SHIPPED_SERVE_HOOKS: ServeHooks = {
  configure: (command) => command.option('--demo', 'seed a demo agency when the MUR is empty (PGlite default: ./data)'),
  onReady: async (ctx, info) => {
    if (info.options.demo === true) await seedDemo(ctx, info);
  },
  onListening: (_server, ctx, info) => {
    const stops = startWorkers(ctx, { log: info.log, metrics: info.metrics });
    return () => stopAll(info.cli, stops);
  },
};

async function seedDemo(ctx: Muster, info: ServeReadyInfo): Promise<void> {
  const { cli } = info;
  const seed = await seedDemoAgency(ctx, cli.actor, cli.correlationId);
  if (!seed.seeded) {
    cli.note(`demo: the MUR already holds identities; nothing seeded (demo files and token in ${seed.folder})`);
    return;
  }
  for (const run of seed.runs)
    cli.note(
      `demo: imported ${run.source}: ${run.summary.valid} rows — ${run.summary.joiners} joiners, ${run.summary.historical} already terminated, ${run.summary.changed} vetting/training records (${run.status})`,
    );
  for (const [name, token] of Object.entries(seed.tokens ?? {})) cli.note(`demo: ${name} API token (also in ${seed.folder}/tokens/${name}): ${token}`);
  for (const [name, files] of Object.entries(seed.cards ?? {}))
    cli.note(`demo: ${name} software PIV card: ${files.pivAuth} (password ${DEMO_CARD_PASSWORD}; key and certificate also in ${files.pivAuthPem})`);
  cli.note(`demo: the next day's snapshot is ${seed.folder}/day1/hr.csv; a truncated one is ${seed.folder}/hr-truncated.csv`);
  if (seed.catalogue) cli.note(`demo: catalogue items ${seed.catalogue.items.join(', ')}; request ${seed.catalogue.pendingRequest} waits for the security officer (muster access inbox)`);
  if (ctx.config.federation.oidc.issuer === undefined) {
    cli.note('demo: the reference relying party is not registered: with --port 0 the OP issuer is known only once the server listens (set federation.oidc.issuer, or a port)');
    return;
  }
  const rp = await seedDemoRelyingParty(ctx, seed.folder, cli.actor);
  cli.note(`demo: a trust agreement registers the reference relying party; start it with: npx node src/rp/reference/main.ts --config ${rp}/rp.json`);
}

export function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, { groups: SHIPPED_GROUPS, serve: SHIPPED_SERVE_HOOKS });
}

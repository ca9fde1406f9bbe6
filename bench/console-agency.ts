// The agency of the console benchmark, seeded through the importer's snapshot path: one HR and one vetting snapshot of
// every person, their joiners run by the outbox worker. Only the portal's pilot office (department Finance) has a
// policy giving an account in the SCIM target, so the joiners of everyone else provision nothing and the agency is
// built in minutes rather than hours; the leavers, whose pages are measured, are in that office, with PIV cards.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { testOperator } from '../src/operators/test-operators.ts';
import { type Muster, startMuster } from '../src/runtime/context.ts';
import { issueDemoPivCard } from '../src/runtime/demo-piv.ts';
import { startPkiServing } from '../src/runtime/pki-serving.ts';
import { createProvisioningWorker } from '../src/runtime/provisioning.ts';
import { createJobWorker } from '../src/runtime/workers.ts';
import { openStore } from '../src/store/open.ts';
import { issuanceStaff } from '../src/credentials/test-fixtures.ts';
import { HR_HEADER, hrLine } from '../test/support/muster.ts';
import { startScimService } from '../test/support/scim-service.ts';
import { freshDatabase } from './database.ts';

const VETTING_HEADER = 'employee_id,eligibility,status,investigation_type,adjudication_date,continuous_vetting';
const PILOT = 'Finance';
const OTHER_OFFICES = ['Operations', 'Legal', 'Human Resources', 'Facilities', 'Information Technology'];
const PORTAL_POLICY = {
  kind: 'birthright',
  description: 'the pilot office gets a portal account',
  when: [{ attribute: 'department', in: [PILOT] }],
  grants: [{ target: 'portal' }],
};

export interface AgencyOptions {
  readonly people: number;
  /** People of the pilot office (E1..En): a portal account each; the first `cards` get a PIV card. */
  readonly pilot: number;
  readonly cards: number;
  /** A PostgreSQL database of the benchmark's server, made afresh; absent: embedded PGlite in memory. */
  readonly database?: string | undefined;
}

export interface ConsoleAgency {
  readonly muster: Muster;
  readonly dir: string;
  /** Seconds each step of the seeding took. */
  readonly seconds: Readonly<Record<string, number>>;
  /** HR says person E`n` left; the worker, the provisioning worker and the publisher run until nothing is left. */
  leave(ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Every tenth person manages the nine after them; offices round-robin outside the pilot. */
function hrSnapshot(people: number, pilot: number): string {
  const lines = Array.from({ length: people }, (_, i) => {
    const manager = i % 10 === 0 ? '' : `E${Math.floor(i / 10) * 10 + 1}`;
    const department = i < pilot ? PILOT : (OTHER_OFFICES[i % OTHER_OFFICES.length] as string);
    return hrLine(`E${i + 1}`, { manager, department });
  });
  return `${HR_HEADER}\n${lines.join('\n')}\n`;
}

const vettingSnapshot = (people: number) => `${VETTING_HEADER}\n${Array.from({ length: people }, (_, i) => `E${i + 1},favorable,current,Tier 3,2025-11-01,true`).join('\n')}\n`;

export async function consoleAgency(options: AgencyOptions): Promise<ConsoleAgency> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-console-'));
  const scim = await startScimService();
  const databaseUrl = options.database ? await freshDatabase(options.database) : undefined;
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: databaseUrl ? join(dir, 'data') : ':memory:',
      ...(databaseUrl ? { databaseUrl } : {}),
      import: { massChangeShare: 1 },
      targets: { portal: { kind: 'scim', baseUrl: scim.baseUrl, auth: { type: 'bearer', token: scim.token } } },
      pki: { publishPollMs: 20 },
    },
  });
  const muster = await startMuster(config, databaseUrl ? {} : { store: await openStore({ dataDir: ':memory:' }) });
  const jobs = createJobWorker(muster, { batchSize: 500, sweepEveryMs: 0 });
  const provisioning = createProvisioningWorker(muster);
  const pki = await startPkiServing(muster);
  const settle = async () => {
    while ((await jobs.runOnce()).claimed + (await provisioning.worker.runOnce()) > 0);
    await pki.publisher.sync();
  };
  const seconds: Record<string, number> = {};
  const step = async (name: string, run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    seconds[name] = (performance.now() - started) / 1000;
  };
  await issuanceStaff(muster);
  await muster.policies.save('portal', PORTAL_POLICY, 'bench', 'the portal pilot');
  await writeFile(join(dir, 'hr.csv'), hrSnapshot(options.people, options.pilot));
  await writeFile(join(dir, 'vetting.csv'), vettingSnapshot(options.people));
  for (const source of ['hr', 'vetting'] as const) {
    await step(`${source} snapshot`, async () => {
      const run = await muster.imports.run({ source, file: join(dir, `${source}.csv`), actor: 'bench' });
      if (run.status !== 'applied') throw new Error(`${source} import ${run.status}: ${JSON.stringify(run.errors.slice(0, 3))}`);
    });
  }
  await step('joiners run', settle);
  const issuer = await testOperator(muster, ['issuer']);
  const by = { actor: issuer.actor, correlationId: 'bench-console-cards' };
  await step('cards issued', async () => {
    for (let i = 1; i <= options.cards; i++) await issueDemoPivCard(muster, `E${i}`, join(dir, `E${i}`), 'pin', by);
  });
  return {
    muster,
    dir,
    seconds,
    async leave(ids) {
      for (const employeeId of ids) {
        const record = { employee_id: employeeId, status: 'terminated' };
        await muster.sourceEvents.apply('hr', { type: 'leaver', effectiveAt: muster.clock.now().toISOString(), record } as never, 'hr-feed', `hr-leaver-${employeeId}`);
      }
      await settle();
    },
    async close() {
      await pki.stop();
      for (const c of provisioning.connectors.values()) await c.close();
      await muster.close();
      await scim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

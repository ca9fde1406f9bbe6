// A leaver for the evidence tests and the benchmark: people with a PIV card (and a PKI Derived PIV credential) and
// an account in a SCIM target, then HR says they left and the worker, the provisioning worker and the CRL/OCSP
// publisher run until nothing is left to do.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import type { Connector } from '../../src/connectors/accounts/port.ts';
import { issuanceStaff, keyAndCsr, signChallenge } from '../../src/credentials/test-fixtures.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { issueDemoPivCard } from '../../src/runtime/demo-piv.ts';
import { startPkiServing, type PkiServing } from '../../src/runtime/pki-serving.ts';
import { createProvisioningWorker } from '../../src/runtime/provisioning.ts';
import { createJobWorker } from '../../src/runtime/workers.ts';
import type { Store } from '../../src/store/store.ts';
import { HR_HEADER, hrLine } from './muster.ts';
import { type ScimService, startScimService } from './scim-service.ts';
import type { SlapdInstance } from './slapd.ts';

const VETTING_HEADER = 'employee_id,eligibility,status,investigation_type,adjudication_date,continuous_vetting';
const PORTAL_POLICY = { kind: 'birthright', description: 'every person gets a portal account', when: [{ attribute: 'kind', in: ['person'] }], grants: [{ target: 'portal' }] };
const DIRECTORY_POLICY = {
  kind: 'birthright',
  description: 'every person gets a directory account in all-staff',
  when: [{ attribute: 'kind', in: ['person'] }],
  grants: [{ target: 'directory', groups: [{ name: 'all-staff' }] }],
};

export interface LeaverWorldOptions {
  /** A signed audit checkpoint every this many entries (default 100,000: the evidence seals the log itself). */
  readonly checkpointInterval?: number;
  /** A real directory: the target `directory`, where every person is in the group all-staff. */
  readonly slapd?: SlapdInstance;
}

export interface LeaverWorld {
  readonly muster: Muster;
  readonly scim: ScimService;
  readonly connectors: ReadonlyMap<string, Connector>;
  readonly pki: PkiServing;
  readonly dir: string;
  /** Runs the job and provisioning workers until both find nothing to do, then lets the publisher catch up. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** A muster over `store` with a SCIM target `portal` (and an LDAP target `directory` when given slapd), `people` persons E1..En imported and vetted. */
export async function leaverWorld(store: Store, people: number, options: LeaverWorldOptions = {}): Promise<LeaverWorld> {
  const { checkpointInterval = 100_000, slapd } = options;
  const dir = await mkdtemp(join(tmpdir(), 'muster-evidence-'));
  const scim = await startScimService();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: ':memory:',
      import: { massChangeShare: 1 },
      audit: { checkpointInterval },
      targets: {
        portal: { kind: 'scim', baseUrl: scim.baseUrl, auth: { type: 'bearer', token: scim.token } },
        ...(slapd ? { directory: { kind: 'ldap', ...slapd.options } } : {}),
      },
      pki: { publishPollMs: 20 },
    },
  });
  const muster = await startMuster(config, { store });
  await issuanceStaff(muster);
  const ids = Array.from({ length: people }, (_, i) => `E${i + 1}`);
  await writeFile(join(dir, 'hr.csv'), `${HR_HEADER}\n${ids.map((id) => hrLine(id)).join('\n')}\n`);
  await writeFile(join(dir, 'vetting.csv'), `${VETTING_HEADER}\n${ids.map((id) => `${id},favorable,current,Tier 3,2025-11-01,true`).join('\n')}\n`);
  await muster.policies.save('portal', PORTAL_POLICY, 'alice', 'every person gets the portal');
  if (slapd) await muster.policies.save('directory', DIRECTORY_POLICY, 'alice', 'every person is in all-staff');
  for (const source of ['hr', 'vetting'] as const) assert.equal((await muster.imports.run({ source, file: join(dir, `${source}.csv`), actor: 'test' })).status, 'applied');
  const jobs = createJobWorker(muster, { batchSize: 200, sweepEveryMs: 0 });
  const provisioning = createProvisioningWorker(muster);
  const pki = await startPkiServing(muster);
  const settle = async () => {
    for (;;) {
      const ran = (await jobs.runOnce()).claimed + (await provisioning.worker.runOnce());
      if (ran === 0) break;
    }
    await pki.publisher.sync();
  };
  await settle();
  return {
    muster,
    scim,
    connectors: provisioning.connectors,
    pki,
    dir,
    settle,
    close: async () => {
      await pki.stop();
      for (const c of provisioning.connectors.values()) await c.close();
      await muster.close();
      await scim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Gives person `employeeId` an activated PIV card and a PKI Derived PIV credential bound with the card's key. */
export async function equipPerson(world: LeaverWorld, employeeId: string): Promise<string> {
  const { muster, dir } = world;
  const by = { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: `equip-${employeeId}` };
  const demo = await issueDemoPivCard(muster, employeeId, join(dir, employeeId), 'pin', by);
  const services = await muster.credentials();
  const start = await services.derived.start(demo.identityId, by);
  const device = await keyAndCsr(dir, `device-${employeeId}`);
  const pivKey = await pivKeyOf(demo.files.pivAuth);
  const pivPem = demo.card.certificates.find((c) => c.profile === 'piv-auth')?.pem as string;
  await services.derived.bindPki({ identityId: demo.identityId, challengeId: start.challengeId, pivCertificate: pivPem, signature: signChallenge(pivKey, start.challenge), csr: device.csr }, by);
  return demo.identityId;
}

async function pivKeyOf(p12: string): Promise<string> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { stdout } = await promisify(execFile)('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:pin', '-nocerts', '-nodes']);
  return stdout;
}

/** HR says the person left, through the single-event API; returns the event's correlation id. */
export async function hrLeaver(world: LeaverWorld, employeeId: string): Promise<string> {
  const correlationId = `hr-leaver-${employeeId}`;
  await world.muster.sourceEvents.apply(
    'hr',
    { type: 'leaver', effectiveAt: world.muster.clock.now().toISOString(), record: { employee_id: employeeId, status: 'terminated' } } as never,
    'hr-feed',
    correlationId,
  );
  return correlationId;
}

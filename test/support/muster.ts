import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { generateSigningKeyPem, publicPemOf, signerFromPem } from '../../src/audit/checkpoint.ts';
import { AuditWriter } from '../../src/audit/writer.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { MusterConfig } from '../../src/config/schema.ts';
import type { KeyVault } from '../../src/core/key-vault.ts';
import { openKeyVault } from '../../src/runtime/key-vault.ts';
import { ImportService } from '../../src/sources/importer.ts';
import { SourceRegistry } from '../../src/sources/registry.ts';
import type { Store } from '../../src/store/store.ts';
import type { StoreFactory } from './stores.ts';

export interface Harness {
  readonly store: Store;
  readonly clock: ManualClock;
  readonly config: MusterConfig;
  readonly audit: AuditWriter;
  readonly imports: ImportService;
  readonly registry: SourceRegistry;
  /** The checkpoint key, for verifying the log. */
  readonly auditKeys: { publicKeys: ReadonlyMap<string, string> };
  /** Seals the signing and cookie keys, as a started muster's does. */
  readonly keyVault: KeyVault;
  readonly dir: string;
  file(name: string, content: string | Buffer): Promise<string>;
  close(): Promise<void>;
}

/** Services over a store, with a frozen clock and a temp folder for input files. */
export async function harness(store: Store, overrides: Record<string, unknown> = {}): Promise<Harness> {
  const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', audit: { checkpointInterval: 10 }, ...overrides } });
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const pem = generateSigningKeyPem();
  const signer = signerFromPem(pem);
  const audit = new AuditWriter({ clock, signer, checkpointInterval: config.audit.checkpointInterval });
  const auditKeys = { publicKeys: new Map([[signer.keyId, publicPemOf(pem)]]) };
  const registry = new SourceRegistry(config);
  const imports = new ImportService({ store, clock, audit, config, registry });
  const dir = await mkdtemp(join(tmpdir(), 'muster-test-'));
  const held = await openKeyVault(config);
  return {
    store,
    clock,
    config,
    audit,
    imports,
    registry,
    auditKeys,
    dir,
    keyVault: held.vault,
    async file(name, content) {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    },
    async close() {
      held.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const HR_HEADER = 'employee_id,given_name,family_name,full_name,email,job_title,department,component,location,manager,user_type,home_agency,affiliations,status,leave_type,hire_date';

/** One HR CSV line; fields not given get plausible values. */
export function hrLine(id: string, over: Partial<Record<string, string>> = {}): string {
  const n = Number(id.replace(/\D/g, '')) || 0;
  const v: Record<string, string> = {
    employee_id: id,
    given_name: `Given${n}`,
    family_name: `Family${n}`,
    full_name: '',
    email: `given${n}.family${n}@demo.gov`,
    job_title: 'Analyst',
    department: 'Finance',
    component: 'Operations',
    location: 'Washington DC',
    manager: '',
    user_type: 'government',
    home_agency: '9700',
    affiliations: 'Demo Agency',
    status: 'active',
    leave_type: '',
    hire_date: '2020-01-15',
    ...over,
  };
  return HR_HEADER.split(',')
    .map((k) => v[k] ?? '')
    .join(',');
}

export function hrCsv(lines: readonly string[]): string {
  return `${HR_HEADER}\n${lines.join('\n')}\n`;
}

/**
 * A harness for a describe block: opened on a fresh store before its tests, closed after them. The
 * returned object is filled in by the `before` hook, so tests and later hooks use it directly.
 */
export function useHarness(factory: StoreFactory, overrides: Record<string, unknown> = {}): Harness {
  const h = {} as Harness;
  before(async () => {
    Object.assign(h, await harness(await factory.open(), overrides));
  });
  after(async () => {
    await h.close();
    await h.store.close();
  });
  return h;
}

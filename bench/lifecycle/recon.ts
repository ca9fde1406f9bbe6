// Reconciliation of a million target accounts: a second slapd preloaded (slapadd) with 1,000,000 accounts, of
// which the benchmark population carries its identity ids (unlinked, correlated and linked) and the rest belong
// to no one (orphans). Time and peak RSS, beside ldapsearch reading the same entries (the floor).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { reconcileTarget } from '../../src/lifecycle/reconcile/index.ts';
import { LdapConnector } from '../../src/connectors/accounts/ldap/index.ts';
import type { Muster } from '../../src/runtime/context.ts';
import { type SlapdInstance, accountLdif, startSlapd } from '../../test/support/slapd.ts';

const run = promisify(execFile);

export interface ReconResult {
  readonly accounts: number;
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly baseRssMiB: number;
  readonly counts: Record<string, unknown>;
  readonly ldapsearchSeconds: number;
  readonly loadSeconds: number;
}

function* entries(total: number, owned: ReadonlyMap<string, string>): Generator<string> {
  let i = 0;
  for (const [key, identityId] of owned) {
    i++;
    yield accountLdif({ key, correlationId: identityId, enabled: true, fields: { displayName: `Owned ${key}`, familyName: key } });
  }
  for (; i < total; i++) {
    const key = `x${String(i).padStart(7, '0')}`;
    yield accountLdif({ key, correlationId: `legacy-${i}`, enabled: i % 10 !== 0, fields: { displayName: `Legacy ${i}`, familyName: `Legacy${i}`, department: 'Legacy' } });
  }
}

async function ldapsearchSeconds(slapd: SlapdInstance): Promise<number> {
  const started = performance.now();
  await run(
    'ldapsearch',
    [
      '-LLL',
      '-x',
      '-H',
      slapd.url,
      '-D',
      slapd.bindDn,
      '-w',
      slapd.bindPassword,
      '-b',
      slapd.usersDn,
      '-E',
      'pr=1000/noprompt',
      '(objectClass=inetOrgPerson)',
      'uid',
      'employeeNumber',
      'memberOf',
      'pwdAccountLockedTime',
      'displayName',
      'sn',
      'mail',
      'title',
      'departmentNumber',
      'employeeType',
      'givenName',
    ],
    { maxBuffer: 2 ** 31 - 1 },
  ).catch((error: { code?: string }) => {
    if (error.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') throw error;
  });
  return (performance.now() - started) / 1000;
}

export async function reconcileMillion(muster: Muster, total: number): Promise<ReconResult> {
  const rows = await muster.store.query<{ id: string; key: string }>(`SELECT id, attributes -> 'employee_id' ->> 'v' AS key FROM identities WHERE kind = 'person'`);
  const owned = new Map(rows.map((r) => [r.key, r.id]));
  const loadStarted = performance.now();
  const slapd = await startSlapd({ preload: entries(total, owned), timeoutMs: 600_000 });
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const connector = new LdapConnector('archive', slapd.options);
  try {
    const floor = await ldapsearchSeconds(slapd);
    global.gc?.();
    const baseRss = process.memoryUsage().rss;
    let peak = baseRss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const started = performance.now();
    const result = await reconcileTarget({ store: muster.store, audit: muster.audit, clock: muster.clock }, connector, {
      target: 'archive',
      accountKey: ['employee_id'],
      orphanAction: 'report',
      actor: 'bench',
      pageSize: 1000,
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    return { accounts: total, seconds, peakRssMiB: peak / 2 ** 20, baseRssMiB: baseRss / 2 ** 20, counts: { ...result.counts }, ldapsearchSeconds: floor, loadSeconds };
  } finally {
    await connector.close();
    await slapd.stop();
  }
}

// A real Samba Active Directory domain controller for the AD connector's tests. Debian's packages samba,
// samba-ad-dc, samba-ad-provision, krb5-user and winbind provide it. Samba cannot move its LDAP ports, so each
// instance gets a loopback address of its own (added to `lo` while it runs, as root) for 389, 636 and 88. The
// domain is provisioned once per machine into a template (a few seconds) and copied for each instance.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import type { AdOptions } from '../../src/connectors/accounts/ad/index.ts';
import { findExecutable, peerSkip } from './peers.ts';
import { WaitTimeout, waitUntil } from './wait.ts';

const run = promisify(execFile);

export const SAMBA = findExecutable('samba') ?? findExecutable('/usr/sbin/samba');
export const SAMBA_TOOL = findExecutable('samba-tool');
const IP = findExecutable('ip') ?? findExecutable('/usr/sbin/ip') ?? findExecutable('/sbin/ip');
const IS_ROOT = process.getuid?.() === 0;

export const REALM = 'AGENCY.EXAMPLE';
export const DOMAIN = 'AGENCY';
export const DNS_DOMAIN = 'agency.example';
export const BASE_DN = 'DC=agency,DC=example';
const HOST = 'dc1';
export const ADMIN_DN = `CN=Administrator,CN=Users,${BASE_DN}`;
export const USERS_DN = `OU=People,${BASE_DN}`;
export const GROUPS_DN = `OU=Groups,${BASE_DN}`;
export const LEAVERS_DN = `OU=Leavers,${BASE_DN}`;
/** The component OUs the tests place accounts in by department. */
export const COMPONENT_OUS = { Budget: `OU=Budget,${USERS_DN}`, Accounting: `OU=Accounting,${USERS_DN}` } as const;

/**
 * The `skip` option for a suite that needs Samba: skips loudly outside CI, throws under CI=true. Samba's DC runs
 * as root only, and the loopback address it listens on is added as root.
 */
export function sambaSkip(): string | false {
  if (SAMBA !== null && SAMBA_TOOL !== null && IP !== null && !IS_ROOT) {
    return peerSkip('Samba AD DC run as root (samba refuses to start as another user)', false);
  }
  return peerSkip('Samba AD DC (samba, samba-tool from samba-ad-dc and samba-ad-provision; ip from iproute2)', SAMBA !== null && SAMBA_TOOL !== null && IP !== null);
}

export interface SambaAd {
  /** The loopback address the DC listens on (ports 389, 636, 88). */
  readonly address: string;
  readonly url: string;
  readonly adminPassword: string;
  readonly directory: string;
  /** The DC's self-signed CA (private/tls/ca.pem). */
  readonly caFile: string;
  /** The name in the DC's certificate. */
  readonly serverName: string;
  /** A krb5.conf naming this DC's KDC for the realm. */
  readonly krb5Conf: string;
  /** Options for `new AdConnector(target, options)`: the OUs above, leavers moved to OU=Leavers. */
  readonly options: AdOptions;
  /** Stops samba, removes its address and deletes its folder. */
  stop(): Promise<void>;
}

interface Template {
  readonly directory: string;
  readonly adminPassword: string;
}

/** The template is Samba's own: another Samba version provisions a new one. */
const SAMBA_VERSION = SAMBA
  ? spawnSync(SAMBA, ['-V'], { encoding: 'utf8' })
      .stdout.trim()
      .replace(/[^0-9A-Za-z.-]+/g, '-')
  : 'none';
const TEMPLATE = join(tmpdir(), `muster-samba-ad-template-${SAMBA_VERSION}`);

/** The provisioned domain, made once per machine (provisioning takes seconds) and copied for each instance. */
async function template(): Promise<Template> {
  const marker = join(TEMPLATE, 'muster-template.json');
  if (existsSync(marker)) return { directory: TEMPLATE, ...(JSON.parse(await readFile(marker, 'utf8')) as { adminPassword: string }) };
  const building = await mkdtemp(join(tmpdir(), 'muster-samba-provision-'));
  const adminPassword = `Aa1!${randomBytes(12).toString('hex')}`;
  await run(
    SAMBA_TOOL as string,
    [
      'domain',
      'provision',
      `--targetdir=${building}`,
      `--realm=${REALM}`,
      `--domain=${DOMAIN}`,
      `--host-name=${HOST}`,
      '--server-role=dc',
      '--use-rfc2307',
      '--dns-backend=NONE',
      `--adminpass=${adminPassword}`,
      '--option=interfaces=127.0.0.1',
      '--option=bind interfaces only=yes',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  await writeFile(join(building, 'muster-template.json'), JSON.stringify({ adminPassword }));
  // another test process may have made it meanwhile: theirs wins, ours goes
  await rename(building, TEMPLATE).catch(() => rm(building, { recursive: true, force: true }));
  return template();
}

function smbConf(directory: string, address: string): string {
  return [
    '[global]',
    `netbios name = ${HOST.toUpperCase()}`,
    `workgroup = ${DOMAIN}`,
    `realm = ${REALM}`,
    'server role = active directory domain controller',
    // LDAP and the KDC only: no file service, RPC, DNS or replication (one process: -M single measured twice the
    // write rate of prefork here)
    'server services = ldap, kdc',
    `interfaces = ${address}`,
    'bind interfaces only = yes',
    `private dir = ${join(directory, 'private')}`,
    `lock directory = ${directory}`,
    `state directory = ${join(directory, 'state')}`,
    `cache directory = ${join(directory, 'cache')}`,
    `pid directory = ${directory}`,
    `ncalrpc dir = ${join(directory, 'ncalrpc')}`,
    `binddns dir = ${join(directory, 'bind-dns')}`,
    `log file = ${join(directory, 'log.samba')}`,
    'logging = file',
    'log level = 1',
    'idmap_ldb:use rfc2307 = yes',
    // a test domain needs no durability, and syncing every write transaction slows bulk work by an order of magnitude
    'ldb:nosync = true',
    'dns update command = /bin/true',
    'spn update command = /bin/true',
    '',
  ].join('\n');
}

function krb5Conf(address: string): string {
  return [
    '[libdefaults]',
    `  default_realm = ${REALM}`,
    '  dns_lookup_kdc = false',
    '  dns_lookup_realm = false',
    '  rdns = false',
    '[realms]',
    `  ${REALM} = {`,
    `    kdc = ${address}`,
    '  }',
    '[domain_realm]',
    `  .${DNS_DOMAIN} = ${REALM}`,
    '',
  ].join('\n');
}

/** A loopback address no interface has yet, added to lo for this instance. */
function claimAddress(): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const address = `127.88.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    const added = spawnSync(IP as string, ['addr', 'add', `${address}/32`, 'dev', 'lo'], { encoding: 'utf8' });
    if (added.status === 0) return address;
    if (!/exists/i.test(added.stderr)) throw new Error(`cannot add a loopback address for Samba: ${added.stderr.trim()}`);
  }
  throw new Error('no free loopback address for Samba');
}

function releaseAddress(address: string): void {
  spawnSync(IP as string, ['addr', 'del', `${address}/32`, 'dev', 'lo']);
}

const running = new Map<ChildProcess, string>();
let exitHookInstalled = false;

/** samba does not notice its parent dying: stop what is left, and give its address back, when the tests exit. */
function track(child: ChildProcess, address: string): void {
  running.set(child, address);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanUp = (): void => {
    for (const [left, address] of running) {
      left.kill('SIGKILL');
      releaseAddress(address);
    }
  };
  process.once('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.kill(process.pid, signal);
    });
  }
}

async function answersLdaps(url: string, password: string): Promise<boolean> {
  const client = new Client({ url, connectTimeout: 1000, timeout: 2000, tlsOptions: { rejectUnauthorized: false } });
  try {
    await client.bind(ADMIN_DN, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => {});
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function halt(child: ChildProcess): Promise<void> {
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(timer);
}

/** The OUs the connector uses, made over LDAP once the DC serves. */
async function makeOus(url: string, password: string, caFile: string, serverName: string, ous: readonly string[] = [USERS_DN, GROUPS_DN, LEAVERS_DN, ...Object.values(COMPONENT_OUS)]): Promise<void> {
  const client = new Client({ url, tlsOptions: { ca: await readFile(caFile), servername: serverName } });
  try {
    await client.bind(ADMIN_DN, password);
    for (const dn of ous) {
      await client.add(dn, { objectClass: ['organizationalUnit'], ou: [/^OU=([^,]+)/.exec(dn)?.[1] ?? ''] });
    }
  } finally {
    await client.unbind().catch(() => {});
  }
}

/** Starts a Samba AD DC (from a copy of the provisioned template) on a loopback address of its own. */
export async function startSambaAd(options: { timeoutMs?: number } = {}): Promise<SambaAd> {
  if (SAMBA === null || SAMBA_TOOL === null || IP === null) throw new Error('Samba AD DC is not installed');
  const { adminPassword, directory: templateDir } = await template();
  const directory = await mkdtemp(join(tmpdir(), 'muster-samba-ad-'));
  const address = claimAddress();
  let child: ChildProcess | null = null;
  try {
    await cp(templateDir, directory, { recursive: true });
    for (const dir of ['cache', 'ncalrpc', 'state']) await mkdir(join(directory, dir), { recursive: true });
    const conf = join(directory, 'etc', 'smb.conf');
    await writeFile(conf, smbConf(directory, address));
    const krb5 = join(directory, 'krb5.conf');
    await writeFile(krb5, krb5Conf(address));
    child = spawn(SAMBA, ['-i', '-M', 'single', '-s', conf, '--debug-stdout'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KRB5_CONFIG: krb5 } });
    track(child, address);
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const url = `ldaps://${address}`;
    const started = child;
    const timeoutMs = options.timeoutMs ?? 60_000;
    await waitUntil(
      'samba to answer LDAPS',
      async () => {
        if (started.exitCode !== null || started.signalCode !== null) throw new Error(`samba exited (${started.exitCode ?? started.signalCode}): ${output}`);
        return answersLdaps(url, adminPassword);
      },
      { timeoutMs, intervalMs: 200 },
    ).catch((error: unknown) => {
      if (error instanceof WaitTimeout) throw new Error(`samba did not answer LDAPS within ${timeoutMs} ms: ${output}`);
      throw error;
    });
    const caFile = join(directory, 'private', 'tls', 'ca.pem');
    const serverName = `${HOST}.${DNS_DOMAIN}`;
    await makeOus(url, adminPassword, caFile, serverName);
    const adOptions: AdOptions = {
      url,
      bindDn: ADMIN_DN,
      bindPassword: adminPassword,
      caFile,
      tlsServerName: serverName,
      usersDn: USERS_DN,
      groupsDn: GROUPS_DN,
      upnSuffix: DNS_DOMAIN,
      disabledDn: LEAVERS_DN,
      placement: { field: 'department', ous: COMPONENT_OUS },
      timeoutMs: 15_000,
    };
    let stopped = false;
    return {
      address,
      url,
      adminPassword,
      directory,
      caFile,
      serverName,
      krb5Conf: krb5,
      options: adOptions,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await halt(started);
        releaseAddress(address);
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (child) await halt(child);
    releaseAddress(address);
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/** The OUs of one part of a shared DC (a store's leg of a suite): `OU=<name>` with its own People, Groups, Leavers and components. */
export interface AdScope {
  readonly baseDn: string;
  readonly usersDn: string;
  readonly groupsDn: string;
  readonly leaversDn: string;
  readonly componentOus: { readonly Budget: string; readonly Accounting: string };
  /** The DC's options with these OUs, accounts looked up below `OU=<name>` only. */
  readonly options: AdOptions;
}

/**
 * Makes `OU=<name>` below the domain with the OUs the connector uses, so that suites sharing one DC see only their
 * own accounts. Logins and sAMAccountNames are still the domain's: suites sharing a DC use logins of their own.
 */
export async function adScope(ad: SambaAd, name: string): Promise<AdScope> {
  const baseDn = `OU=${name},${BASE_DN}`;
  const usersDn = `OU=People,${baseDn}`;
  const scope = {
    baseDn,
    usersDn,
    groupsDn: `OU=Groups,${baseDn}`,
    leaversDn: `OU=Leavers,${baseDn}`,
    componentOus: { Budget: `OU=Budget,${usersDn}`, Accounting: `OU=Accounting,${usersDn}` },
  };
  await makeOus(ad.url, ad.adminPassword, ad.caFile, ad.serverName, [baseDn, usersDn, scope.groupsDn, scope.leaversDn, ...Object.values(scope.componentOus)]);
  const options: AdOptions = {
    ...ad.options,
    usersDn,
    groupsDn: scope.groupsDn,
    disabledDn: scope.leaversDn,
    searchBaseDn: baseDn,
    placement: { field: 'department', ous: scope.componentOus },
  };
  return { ...scope, options };
}

/** Attribute values as ldapsearch (ldap-utils) reads them over LDAPS, for a test to check what AD holds. */
export async function ldapsearchValues(ad: SambaAd, base: string, attribute: string): Promise<string[]> {
  const { stdout } = await run('ldapsearch', ['-LLL', '-o', 'ldif-wrap=no', '-H', ad.url, '-x', '-D', ADMIN_DN, '-w', ad.adminPassword, '-b', base, '-s', 'base', attribute], {
    // the DC's certificate names dc1.agency.example, not the loopback address ldapsearch connects to
    env: { ...process.env, LDAPTLS_CACERT: ad.caFile, LDAPTLS_REQCERT: 'allow' },
  });
  const prefix = `${attribute.toLowerCase()}: `;
  return stdout
    .split('\n')
    .filter((line) => line.toLowerCase().startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}

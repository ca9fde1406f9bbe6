// A real OpenLDAP slapd for the LDAP connector's tests: its own folder, port, configuration and database,
// with the memberof and ppolicy overlays the connector relies on. Debian's package `slapd` provides it.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { freePort } from './ports.ts';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { accountAttributes, escapeDnValue, type LdapOptions } from '../../src/connectors/accounts/ldap/index.ts';
import type { AccountSpec } from '../../src/connectors/accounts/port.ts';
import { findExecutable, peerSkip } from './peers.ts';
import { WaitTimeout, waitUntil } from './wait.ts';

export const SLAPD = findExecutable('slapd') ?? findExecutable('/usr/sbin/slapd');
export const SLAPADD = findExecutable('slapadd') ?? findExecutable('/usr/sbin/slapadd');
const MODULE_DIR = ['/usr/lib/ldap', '/usr/lib64/openldap', '/usr/lib/openldap'].find((dir) => existsSync(join(dir, 'memberof.la')) || existsSync(join(dir, 'memberof.so')));
const SCHEMA_DIR = ['/etc/ldap/schema', '/etc/openldap/schema'].find((dir) => existsSync(join(dir, 'inetorgperson.schema')));

const BASE_DN = 'dc=agency,dc=example';
const USERS_DN = `ou=people,${BASE_DN}`;
const GROUPS_DN = `ou=groups,${BASE_DN}`;
const POLICY_DN = `cn=default,ou=policies,${BASE_DN}`;
const ROOT_DN = `cn=admin,${BASE_DN}`;

/** The `skip` option for a suite that needs slapd: skips loudly outside CI, throws under CI=true. */
export function slapdSkip(): string | false {
  return peerSkip('OpenLDAP (slapd, slapadd and its modules)', SLAPD !== null && SLAPADD !== null && MODULE_DIR !== undefined && SCHEMA_DIR !== undefined);
}

export interface SlapdInstance {
  readonly url: string;
  readonly port: number;
  readonly bindDn: string;
  readonly bindPassword: string;
  readonly baseDn: string;
  readonly usersDn: string;
  readonly groupsDn: string;
  readonly directory: string;
  /** Ready for `new LdapConnector(target, options)` (with `tls`: StartTLS against the instance's own CA). */
  readonly options: LdapOptions;
  /** With `tls`: the PEM of the CA that issued slapd's certificate (for localhost and 127.0.0.1). */
  readonly caFile?: string;
  /** Stops slapd and deletes its folder. */
  stop(): Promise<void>;
  /** Stops slapd and keeps its database (a target that went down). */
  shutdown(): Promise<void>;
  /** Starts slapd again on the same port with the same database. */
  restart(): Promise<void>;
}

export interface SlapdStart {
  /**
   * LDIF entries below ou=people or ou=groups, loaded offline with `slapadd -q` before slapd starts (parents
   * first). slapadd runs no overlays: preloaded group members need their memberOf values written out too.
   */
  readonly preload?: AsyncIterable<string> | Iterable<string> | string;
  readonly timeoutMs?: number;
  /** The memberof overlay keeps member values in step when an entry is renamed or deleted (default true). */
  readonly memberofRefint?: boolean;
  /**
   * slapd gets a certificate of a CA of its own (made with openssl) and requires TLS for every operation but
   * StartTLS itself (`security tls=1`): a client that does not upgrade its ldap:// connection is refused.
   */
  readonly tls?: boolean;
}

const run = promisify(execFile);

interface TlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A CA and a certificate it issued for localhost and 127.0.0.1, made with openssl in `directory`. */
async function makeTlsFiles(directory: string): Promise<TlsFiles> {
  const path = (name: string): string => join(directory, name);
  const files = { caFile: path('ca.pem'), certFile: path('server.pem'), keyFile: path('server.key') };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', path('ca.key'), '-subj', '/CN=muster test LDAP CA', '-days', '2', '-out', files.caFile]);
  await run('openssl', ['req', ...ec, '-keyout', files.keyFile, '-subj', '/CN=localhost', '-out', path('server.csr')]);
  await writeFile(path('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    path('server.csr'),
    '-CA',
    files.caFile,
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    path('server.ext'),
    '-out',
    files.certFile,
  ]);
  return files;
}

function tlsConf(files: TlsFiles | null): string[] {
  if (!files) return [];
  return [`TLSCACertificateFile ${files.caFile}`, `TLSCertificateFile ${files.certFile}`, `TLSCertificateKeyFile ${files.keyFile}`, 'security tls=1'];
}

function slapdConf(directory: string, rootPassword: string, refint: boolean, tls: TlsFiles | null): string {
  const schemas = ['core', 'cosine', 'inetorgperson', 'nis'];
  // OpenLDAP 2.4 ships the ppolicy schema as a file; from 2.5 the overlay defines it
  if (existsSync(join(SCHEMA_DIR as string, 'ppolicy.schema'))) schemas.push('ppolicy');
  return [
    ...schemas.map((name) => `include ${join(SCHEMA_DIR as string, `${name}.schema`)}`),
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    'moduleload memberof',
    'moduleload ppolicy',
    `pidfile ${join(directory, 'slapd.pid')}`,
    `argsfile ${join(directory, 'slapd.args')}`,
    'loglevel none',
    'tool-threads 4',
    // a group's member values kept sorted: slapd finds a value by binary search instead of comparing it with every
    // member, so a modify of a group with 50,000 members that adds 64 takes about 20 ms instead of about 70
    'sortvals member',
    ...tlsConf(tls),
    'database mdb',
    `suffix "${BASE_DN}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${rootPassword}`,
    `directory ${join(directory, 'data')}`,
    // address space only: the file grows with the data (a million accounts take a few GB)
    'maxsize 68719476736',
    // a test database needs no durability, and syncing slows bulk writes by orders of magnitude
    'dbnosync',
    'index objectClass eq',
    'index uid eq',
    'index member eq',
    'overlay memberof',
    'memberof-group-oc groupOfNames',
    'memberof-member-ad member',
    'memberof-memberof-ad memberOf',
    `memberof-refint ${refint ? 'TRUE' : 'FALSE'}`,
    'overlay ppolicy',
    `ppolicy_default "${POLICY_DN}"`,
    '',
  ].join('\n');
}

/** A value LDIF may write as it is (RFC 2849 SAFE-STRING), else it goes base64. */
function ldifLine(name: string, value: string): string {
  const safe = /^[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value) && !value.endsWith(' ');
  if (value === '' || safe) return `${name}: ${value}\n`;
  return `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}\n`;
}

/** One LDIF entry, blank line included. */
export function ldifEntry(dn: string, attributes: Record<string, readonly string[]>): string {
  let text = ldifLine('dn', dn);
  for (const [name, values] of Object.entries(attributes)) for (const value of values) text += ldifLine(name, value);
  return `${text}\n`;
}

/** An account as the LDAP connector would create it, as LDIF for `preload`. */
export function accountLdif(spec: AccountSpec, usersDn = USERS_DN): string {
  return ldifEntry(`uid=${escapeDnValue(spec.key)},${usersDn}`, accountAttributes(spec));
}

function baseLdif(): string {
  const ou = (name: string): string => ldifEntry(`ou=${name},${BASE_DN}`, { objectClass: ['organizationalUnit'], ou: [name] });
  return [
    ldifEntry(BASE_DN, { objectClass: ['dcObject', 'organization'], dc: ['agency'], o: ['Agency'] }),
    ou('people'),
    ou('groups'),
    ou('policies'),
    // ppolicy enforces a lock only on entries a policy covers; pwdLockout makes pwdAccountLockedTime count
    ldifEntry(POLICY_DN, { objectClass: ['applicationProcess', 'pwdPolicy'], cn: ['default'], pwdAttribute: ['userPassword'], pwdLockout: ['TRUE'] }),
  ].join('');
}

async function* ldifStream(preload: SlapdStart['preload']): AsyncIterable<string> {
  yield baseLdif();
  if (preload === undefined) return;
  if (typeof preload === 'string') yield preload;
  else for await (const chunk of preload) yield chunk;
  yield '\n';
}

/** Output of a child kept for error messages: the last few kilobytes. */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer): void => {
    text = (text + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function loadDatabase(conf: string, preload: SlapdStart['preload']): Promise<void> {
  const child = spawn(SLAPADD as string, ['-q', '-f', conf], { stdio: ['pipe', 'pipe', 'pipe'] });
  const output = tail(child);
  const done = exited(child);
  const fed = await pipeline(Readable.from(ldifStream(preload)), child.stdin as NonNullable<typeof child.stdin>).then(
    () => null,
    (error: unknown) => error,
  );
  const code = await done;
  // when slapadd stops reading, its own exit status and output say why
  if (code !== 0) throw new Error(`slapadd failed (exit ${code}): ${output()}`);
  if (fed) throw fed;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killRunning(): void {
  for (const left of running) left.kill('SIGKILL');
}

/** slapd does not notice its parent dying: kill what is left when the test process exits or is told to. */
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killRunning);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killRunning();
      process.kill(process.pid, signal);
    });
  }
}

async function acceptsBind(url: string, password: string, ca: Buffer | null): Promise<boolean> {
  const client = new Client({ url, connectTimeout: 1000, timeout: 1000 });
  try {
    if (ca) await client.startTLS({ ca, servername: 'localhost' });
    await client.bind(ROOT_DN, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => {});
  }
}

/** slapd stopped before it served: most often another process took the port first. */
class SlapdExited extends Error {}

/** Runs slapd in the foreground (`-d 0` keeps it from detaching) until it accepts the root bind. */
async function launch(conf: string, url: string, password: string, timeoutMs: number, ca: Buffer | null): Promise<ChildProcess> {
  const child = spawn(SLAPD as string, ['-f', conf, '-h', `${url}/`, '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  const output = tail(child);
  const serves = async () => {
    if (await acceptsBind(url, password, ca)) return true;
    if (child.exitCode !== null || child.signalCode !== null) throw new SlapdExited(`slapd exited (${child.exitCode ?? child.signalCode}): ${output()}`);
    return false;
  };
  await waitUntil('slapd to accept the root bind', serves, { timeoutMs, intervalMs: 50 }).catch(async (error: unknown) => {
    if (!(error instanceof WaitTimeout)) throw error;
    await halt(child);
    throw new Error(`slapd did not accept a bind within ${timeoutMs} ms: ${output()}`);
  });
  return child;
}

async function halt(child: ChildProcess): Promise<void> {
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(timer);
}

async function launchOnFreePort(conf: string, password: string, timeoutMs: number, ca: Buffer | null): Promise<{ url: string; port: number; child: ChildProcess }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `ldap://127.0.0.1:${port}`;
    try {
      return { url, port, child: await launch(conf, url, password, timeoutMs, ca) };
    } catch (error) {
      if (attempt === 3 || !(error instanceof SlapdExited)) throw error;
    }
  }
}

/** Starts slapd on 127.0.0.1 at a free port in a new temporary folder, with ou=people and ou=groups in place. */
export async function startSlapd(start: SlapdStart = {}): Promise<SlapdInstance> {
  if (SLAPD === null || SLAPADD === null || MODULE_DIR === undefined || SCHEMA_DIR === undefined) throw new Error('slapd is not installed');
  const directory = await mkdtemp(join(tmpdir(), 'muster-slapd-'));
  const bindPassword = randomBytes(12).toString('hex');
  const conf = join(directory, 'slapd.conf');
  const timeoutMs = start.timeoutMs ?? 15_000;
  let child: ChildProcess | null = null;
  try {
    await mkdir(join(directory, 'data'));
    const tls = start.tls ? await makeTlsFiles(directory) : null;
    const ca = tls ? await readFile(tls.caFile) : null;
    await writeFile(conf, slapdConf(directory, bindPassword, start.memberofRefint ?? true, tls), { mode: 0o600 });
    await loadDatabase(conf, start.preload);
    const launched = await launchOnFreePort(conf, bindPassword, timeoutMs, ca);
    const { url, port } = launched;
    child = launched.child;
    const secure = tls ? { startTls: true, caFile: tls.caFile, tlsServerName: 'localhost' } : {};
    const options: LdapOptions = { url, bindDn: ROOT_DN, bindPassword, usersDn: USERS_DN, groupsDn: GROUPS_DN, timeoutMs: 5000, ...secure };
    const shutdown = async (): Promise<void> => {
      if (child) await halt(child);
      child = null;
    };
    return {
      url,
      port,
      bindDn: ROOT_DN,
      bindPassword,
      baseDn: BASE_DN,
      usersDn: USERS_DN,
      groupsDn: GROUPS_DN,
      directory,
      options,
      ...(tls ? { caFile: tls.caFile } : {}),
      shutdown,
      restart: async () => {
        await shutdown();
        child = await launch(conf, url, bindPassword, timeoutMs, ca);
      },
      stop: async () => {
        await shutdown();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (child) await halt(child);
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

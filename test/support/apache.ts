// A real relying party for the OpenID Provider's tests: Debian's Apache httpd with mod_auth_openidc, in a
// folder of its own with a minimal httpd.conf (not Debian's /etc/apache2), on a free loopback port. One location
// is protected by `AuthType openid-connect`; behind it a CGI script prints what the module hands the application
// (REMOTE_USER and the OIDC_* variables), which `readEcho` parses.
// The RP authenticates at the token endpoint with private_key_jwt (RS256, the `kid` given) and uses PKCE S256.
// Plain http works for the RP and the OP: mod_auth_openidc only logs that https SHOULD be used. Run as root,
// Apache's children (and the CGI) run as an unprivileged user: the folder is made world-readable for them;
// the private key stays readable by root only, as the parent reads it while parsing the configuration.
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './ports.ts';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findExecutable, peerSkip } from './peers.ts';
import { WaitTimeout, waitUntil } from './wait.ts';

export const APACHE = findExecutable('/usr/sbin/apache2') ?? findExecutable('apache2');
const MODULE_DIR = '/usr/lib/apache2/modules';
const MODULES = ['mpm_prefork', 'authn_core', 'authz_core', 'authz_user', 'alias', 'dir', 'cgi', 'auth_openidc'] as const;

/** The `skip` option for a suite that needs Apache with mod_auth_openidc: skips loudly outside CI, throws under CI=true. */
export function apacheSkip(): string | false {
  const modules = MODULES.every((name) => existsSync(join(MODULE_DIR, `mod_${name}.so`)));
  return peerSkip('Apache httpd with mod_auth_openidc', APACHE !== null && modules);
}

export interface ApacheRpOptions {
  /** The OP's issuer; its metadata is read from `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly clientId: string;
  /** PEM RSA private key (PKCS#1 or PKCS#8) for private_key_jwt; a fresh 2048-bit key when left out. */
  readonly privateKeyPem?: string;
  /** The `kid` of that key, in the client assertion's header and in `jwks`; default 'rp-1'. */
  readonly kid?: string;
  /**
   * PEM CA bundle that the OP's TLS certificate must chain to (an https issuer under a test CA); copied into
   * Apache's folder. Without it an https OP is checked against the system's CA store.
   */
  readonly caFile?: string;
  /** Extra authorization request parameters, e.g. { acr_values: '…', max_age: 0 }. */
  readonly authRequestParams?: Readonly<Record<string, string | number>>;
  /** Scopes asked for; default 'openid'. */
  readonly scope?: string;
  /** Further mod_auth_openidc (or Apache) directives, one per line, appended to the server configuration. */
  readonly extraDirectives?: readonly string[];
  readonly timeoutMs?: number;
}

export interface ApacheRp {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** The protected page: prints the claims once signed in (see readEcho). */
  readonly url: string;
  /** The redirect URI to register at the OP (it must only be handled by the module). */
  readonly redirectUri: string;
  /**
   * Where to send the user to sign out locally and at the OP: the module redirects to the OP's end_session_endpoint
   * with id_token_hint and post_logout_redirect_uri = `returnTo` (default `${origin}/`, to register at the OP).
   */
  logoutUrl(returnTo?: string): string;
  /** The RP's public keys, to register as the client's `jwks`. */
  readonly jwks: { keys: JsonWebKey[] };
  readonly directory: string;
  /** Apache's error log so far (mod_auth_openidc explains its refusals there). */
  errorLog(): Promise<string>;
  /** Stops Apache and every process it started, and deletes the folder. */
  close(): Promise<void>;
}

/** What the protected page printed: REMOTE_USER, the claims (OIDC_CLAIM_*) and the other OIDC_* values. */
export interface ApacheEcho {
  readonly remoteUser: string | undefined;
  readonly claims: Record<string, string>;
  readonly idToken: string | undefined;
  readonly variables: Record<string, string>;
}

/** Parses the protected page's body. */
export function readEcho(body: string): ApacheEcho {
  const variables: Record<string, string> = {};
  for (const line of body.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) variables[line.slice(0, at)] = line.slice(at + 1);
  }
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) if (name.startsWith('OIDC_CLAIM_')) claims[name.slice('OIDC_CLAIM_'.length)] = value;
  return { remoteUser: variables.REMOTE_USER, claims, idToken: variables.OIDC_id_token, variables };
}

const ECHO_CGI = `#!/bin/sh
printf 'Content-Type: text/plain\\r\\nCache-Control: no-store\\r\\n\\r\\n'
env | grep -E '^(REMOTE_USER|AUTH_TYPE|OIDC_[A-Za-z0-9_]*)=' | sort
`;

/** Quotes a directive argument for httpd.conf. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

interface Files {
  readonly keyFile: string;
  readonly publicKeyFile: string;
  readonly caFile: string | undefined;
}

function httpdConf(directory: string, port: number, options: ApacheRpOptions, { keyFile, publicKeyFile, caFile }: Files, kid: string, passphrase: string): string {
  const base = `http://127.0.0.1:${port}`;
  const metadata = `${options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const params = new URLSearchParams(Object.entries(options.authRequestParams ?? {}).map(([name, value]): [string, string] => [name, String(value)])).toString();
  const root = userInfo().uid === 0;
  return [
    `ServerRoot ${quote(directory)}`,
    `DefaultRuntimeDir ${quote(join(directory, 'run'))}`,
    `PidFile ${quote(join(directory, 'run', 'httpd.pid'))}`,
    `Mutex file:${join(directory, 'run')} default`,
    `ErrorLog ${quote(join(directory, 'error.log'))}`,
    'LogLevel warn auth_openidc:info',
    `Listen 127.0.0.1:${port}`,
    `ServerName 127.0.0.1:${port}`,
    ...MODULES.map((name) => `LoadModule ${name}_module ${quote(join(MODULE_DIR, `mod_${name}.so`))}`),
    // Apache will not serve as root: its children drop to an unprivileged user
    ...(root ? ['User nobody', `Group ${existsSync('/etc/debian_version') ? 'nogroup' : 'nobody'}`] : []),
    'StartServers 1',
    'MinSpareServers 1',
    'MaxSpareServers 4',
    'KeepAlive On',
    `DocumentRoot ${quote(join(directory, 'htdocs'))}`,
    'DirectoryIndex index.html',
    `ScriptAlias /protected/ ${quote(`${join(directory, 'cgi-bin')}/`)}`,
    `OIDCProviderMetadataURL ${quote(metadata)}`,
    `OIDCClientID ${quote(options.clientId)}`,
    `OIDCRedirectURI ${quote(`${base}/protected/redirect_uri`)}`,
    `OIDCCryptoPassphrase ${quote(passphrase)}`,
    // both key files, before the token endpoint method that needs them: with the private key alone, 2.4.12.3
    // drops the connection without a response or a log line when it comes to sign the client assertion
    `OIDCPrivateKeyFiles ${quote(`${kid}#${keyFile}`)}`,
    `OIDCPublicKeyFiles ${quote(`${kid}#${publicKeyFile}`)}`,
    'OIDCProviderTokenEndpointAuth private_key_jwt',
    'OIDCPKCEMethod S256',
    'OIDCResponseType code',
    `OIDCScope ${quote(options.scope ?? 'openid')}`,
    ...(params ? [`OIDCAuthRequestParams ${quote(params)}`] : []),
    ...(caFile ? ['OIDCSSLValidateServer On', `OIDCCABundlePath ${quote(caFile)}`] : []),
    'OIDCSessionType server-cache',
    'OIDCPassClaimsAs environment',
    'OIDCPassIDTokenAs claims serialized',
    'OIDCRemoteUserClaim sub',
    `OIDCDefaultLoggedOutURL ${quote(`${base}/`)}`,
    ...(options.extraDirectives ?? []),
    '<Location /protected>',
    '  AuthType openid-connect',
    '  Require valid-user',
    '</Location>',
    '',
  ].join('\n');
}

/** A public JWK of the key, as the OP should register it. */
function publicJwk(privateKeyPem: string, kid: string): JsonWebKey {
  const jwk = createPublicKey(createPrivateKey(privateKeyPem)).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA') throw new Error('the RP key must be RSA (private_key_jwt with RS256)');
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}

const running = new Set<number>();
let exitHookInstalled = false;

/** Apache outlives a test process that dies: kill what is left when it exits or is told to. */
function track(pid: number): void {
  running.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killRunning = (): void => {
    for (const group of running) signalGroup(group, 'SIGKILL');
  };
  process.once('exit', killRunning);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killRunning();
      process.kill(process.pid, signal);
    });
  }
}

/** Signals the process group; false once it is empty. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Stops the whole process group (parent, children, CGI scripts), by SIGTERM then SIGKILL. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (signalGroup(pid, 0)) {
    if (Date.now() > deadline) signalGroup(pid, 'SIGKILL');
    await sleep(25);
  }
  running.delete(pid);
}

/** Resolves once Apache answers HTTP on the port; throws when it exits first or takes too long. */
async function untilListening(child: ChildProcess, base: string, timeoutMs: number, output: () => string): Promise<void> {
  const answers = async () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`apache2 exited (${child.exitCode ?? child.signalCode}): ${output()}`);
    return fetch(`${base}/`, { signal: AbortSignal.timeout(1000) }).then(
      async (response) => {
        await response.body?.cancel();
        return true;
      },
      () => false,
    );
  };
  await waitUntil('apache2 to answer', answers, { timeoutMs, intervalMs: 50 }).catch((error: unknown) => {
    throw error instanceof WaitTimeout ? new Error(`apache2 did not answer within ${timeoutMs} ms: ${output()}`) : error;
  });
}

/** Starts Apache as an OpenID Connect relying party of `issuer`, on 127.0.0.1 at a free port. */
export async function startApacheRp(options: ApacheRpOptions): Promise<ApacheRp> {
  if (APACHE === null) throw new Error('Apache httpd is not installed');
  const directory = await mkdtemp(join(tmpdir(), 'muster-apache-'));
  let child: ChildProcess | null = null;
  const errorLog = (): Promise<string> => readFile(join(directory, 'error.log'), 'utf8').catch(() => '');
  try {
    const kid = options.kid ?? 'rp-1';
    const privateKeyPem = options.privateKeyPem ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const jwks = { keys: [publicJwk(privateKeyPem, kid)] };
    await chmod(directory, 0o755);
    for (const sub of ['run', 'htdocs', 'cgi-bin']) await mkdir(join(directory, sub), { mode: 0o755 });
    const keyFile = join(directory, 'rp-key.pem');
    await writeFile(keyFile, privateKeyPem, { mode: 0o600 });
    const publicKeyFile = join(directory, 'rp-key.pub.pem');
    await writeFile(publicKeyFile, createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString(), { mode: 0o644 });
    await writeFile(join(directory, 'htdocs', 'index.html'), '<!doctype html><title>relying party</title>\n', { mode: 0o644 });
    await writeFile(join(directory, 'cgi-bin', 'echo'), ECHO_CGI, { mode: 0o755 });
    // the children read the CA bundle (libcurl, at each call to the OP): a copy they can reach
    let caFile: string | undefined;
    if (options.caFile !== undefined) {
      caFile = join(directory, 'op-ca.pem');
      await writeFile(caFile, await readFile(options.caFile), { mode: 0o644 });
    }
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const conf = join(directory, 'httpd.conf');
    await writeFile(conf, httpdConf(directory, port, options, { keyFile, publicKeyFile, caFile }, kid, randomBytes(24).toString('hex')), { mode: 0o644 });

    // its own process group, so that close() reaches the children and any CGI still running
    child = spawn(APACHE, ['-f', conf, '-DFOREGROUND'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' } });
    if (child.pid !== undefined) track(child.pid);
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await untilListening(child, base, options.timeoutMs ?? 15_000, () => output);

    const started = child;
    const redirectUri = `${base}/protected/redirect_uri`;
    return {
      origin: base,
      url: `${base}/protected/echo`,
      redirectUri,
      logoutUrl: (returnTo = `${base}/`) => `${redirectUri}?logout=${encodeURIComponent(returnTo)}`,
      jwks,
      directory,
      errorLog,
      close: async () => {
        await stopGroup(started);
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (child) await stopGroup(child);
    const log = await errorLog();
    await rm(directory, { recursive: true, force: true });
    if (log && error instanceof Error) error.message += `\nerror.log:\n${log.slice(-4000)}`;
    throw error;
  }
}

/**
 * The reference relying party: a small node:http (or node:https, for mutual TLS) application
 * built on `muster/rp` alone. `/` shows the signed-in account, `/login` and `/callback` run the
 * sign-in, `/logout` ends the RP session, `/signals` receives SSF push deliveries.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { JWK } from 'jose';
import { MemoryAccountStore } from '../accounts.ts';
import { parseAgreements, type TrustAgreements } from '../agreements.ts';
import { createRpClient, type BoundAuthenticatorCheck, type RpClient, type SignInRecord } from '../client.ts';
import { isRpError } from '../errors.ts';
import type { RpFetch } from '../fetch.ts';
import { MemoryRecorder, type RpLogEntry, type SubscriberNotice } from '../notices.ts';
import type { AccountServices } from '../provisioning.ts';
import { MemorySessionStore } from '../sessions.ts';
import { createSignalReceiver, type SignalReceiver } from '../signals.ts';
import { clearCookie, readCookie, setCookie } from './cookies.ts';
import { accountPage, errorPage, signedOutPage } from './pages.ts';

export interface ReferenceRpOptions {
  readonly issuer: string;
  readonly clientId: string;
  /** The RP's private key for `private_key_jwt`. */
  readonly privateJwk?: JWK;
  readonly clientAuthentication?: 'private_key_jwt' | 'tls_client_auth';
  /** Default: `<the listening URL>/callback`. */
  readonly redirectUri?: string;
  /** Trust agreements: parsed already, or raw and checked here. */
  readonly agreements: TrustAgreements | unknown;
  /** A fetch for the IdP and the transmitter (a private CA, the RP's client certificate). */
  readonly fetch?: RpFetch;
  /** Allow http:// IdP URLs. For loopback tests only. */
  readonly allowInsecureHttp?: boolean;
  /** Serve https; with `requestCert`, the subscriber's certificate is read for FAL3 holder-of-key. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer; readonly ca?: string | Buffer; readonly requestCert?: boolean };
  /** The Authorization header value the transmitter sends with pushed SETs. */
  readonly signalAuthorization?: string;
  readonly sessionLifetimeSeconds?: number;
  readonly boundAuthenticator?: BoundAuthenticatorCheck;
  /** Where log lines and subscriber notices go; default stdout. */
  readonly log?: (line: string) => void;
}

export interface ReferenceRp {
  listen(port?: number, host?: string): Promise<{ url: string }>;
  close(): Promise<void>;
  readonly accounts: MemoryAccountStore;
  readonly sessions: MemorySessionStore;
  /** Subscriber notices and the RP's log, in order. */
  readonly recorder: MemoryRecorder;
}

interface Running {
  readonly client: RpClient;
  readonly receiver: SignalReceiver;
  readonly secure: boolean;
  readonly base: string;
}

const SESSION_COOKIE = 'rp_session';
const SIGNIN_COOKIE = 'rp_signin';

export function createReferenceRp(options: ReferenceRpOptions): ReferenceRp {
  const agreements = parseAgreements(options.agreements);
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const recorder = new LoggingRecorder(log);
  const accounts = new MemoryAccountStore();
  const sessions = new MemorySessionStore(options.sessionLifetimeSeconds === undefined ? {} : { lifetimeSeconds: options.sessionLifetimeSeconds });
  const services: AccountServices = { accounts, sessions, notifier: recorder, log: recorder };
  const signIns = new Map<string, SignInRecord>();
  let running: Running | undefined;
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    if (!running) return void response.writeHead(503).end();
    route({ ...running, services, signIns, accounts, sessions }, request, response).catch((error: unknown) => {
      log(JSON.stringify({ event: 'error', message: error instanceof Error ? error.message : String(error) }));
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('internal error');
    });
  };
  const tls = options.tls;
  const server = tls
    ? https.createServer({ key: tls.key, cert: tls.cert, ...(tls.ca ? { ca: tls.ca } : {}), requestCert: tls.requestCert ?? false, rejectUnauthorized: false }, handler)
    : http.createServer(handler);
  return {
    accounts,
    sessions,
    recorder,
    async listen(port = 0, host = '127.0.0.1') {
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
      const address = server.address() as AddressInfo;
      const base = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
      running = start(options, agreements, services, base, Boolean(tls));
      return { url: base };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function start(options: ReferenceRpOptions, agreements: TrustAgreements, services: AccountServices, base: string, secure: boolean): Running {
  const common = { issuer: options.issuer, agreements, services, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.allowInsecureHttp ? { allowInsecureHttp: true } : {}) };
  const client = createRpClient({
    ...common,
    clientId: options.clientId,
    redirectUri: options.redirectUri ?? `${base}/callback`,
    ...(options.privateJwk ? { privateJwk: options.privateJwk } : {}),
    ...(options.clientAuthentication ? { clientAuthentication: options.clientAuthentication } : {}),
    ...(options.boundAuthenticator ? { boundAuthenticator: options.boundAuthenticator } : {}),
  });
  const receiver = createSignalReceiver({ ...common, audience: options.clientId, ...(options.signalAuthorization ? { authorization: options.signalAuthorization } : {}) });
  return { client, receiver, secure, base };
}

interface Context extends Running {
  readonly services: AccountServices;
  readonly signIns: Map<string, SignInRecord>;
  readonly accounts: MemoryAccountStore;
  readonly sessions: MemorySessionStore;
}

async function route(context: Context, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', context.base);
  const key = `${request.method} ${url.pathname}`;
  if (key === 'GET /') return home(context, request, response);
  if (key === 'GET /login') return login(context, response);
  if (key === 'GET /callback') return callback(context, request, response, url);
  if (key === 'POST /logout' || key === 'GET /logout') return logout(context, request, response);
  if (key === 'POST /signals') return signals(context, request, response);
  response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}

async function home(context: Context, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const sessionId = readCookie(request, SESSION_COOKIE);
  const session = sessionId ? await context.sessions.get(sessionId) : undefined;
  const account = session ? await context.accounts.get(session.accountId) : undefined;
  if (session && account?.state === 'active') return html(response, 200, accountPage(account, session));
  if (session) await context.sessions.delete(session.id);
  html(response, 200, signedOutPage(), sessionId ? [clearCookie(SESSION_COOKIE, context.secure)] : []);
}

async function login(context: Context, response: ServerResponse): Promise<void> {
  const { url, record } = await context.client.beginSignIn();
  const id = randomBytes(24).toString('base64url');
  context.signIns.set(id, record);
  response.writeHead(302, { location: url.href, 'set-cookie': setCookie(SIGNIN_COOKIE, id, context.secure, 600), 'cache-control': 'no-store' }).end();
}

async function callback(context: Context, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const id = readCookie(request, SIGNIN_COOKIE);
  const record = id ? context.signIns.get(id) : undefined;
  if (id) context.signIns.delete(id);
  const cleared = clearCookie(SIGNIN_COOKIE, context.secure);
  if (!record) return html(response, 400, errorPage('RP_ERR_STATE', 'no sign-in was started in this browser'), [cleared]);
  try {
    const certificate = clientCertificate(request);
    const { assertion, account } = await context.client.completeSignIn(url, record, certificate ? { clientCertificate: certificate } : {});
    const session = await context.sessions.create({ accountId: account.id, identifier: assertion.identifier, authTime: assertion.authTime });
    response.writeHead(302, { location: '/', 'set-cookie': [cleared, setCookie(SESSION_COOKIE, session.id, context.secure)] }).end();
  } catch (error) {
    if (!isRpError(error)) throw error;
    html(response, error.status, errorPage(error.code, error.message), [cleared]);
  }
}

async function logout(context: Context, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const sessionId = readCookie(request, SESSION_COOKIE);
  if (sessionId) await context.sessions.delete(sessionId);
  response.writeHead(303, { location: '/', 'set-cookie': clearCookie(SESSION_COOKIE, context.secure) }).end();
}

async function signals(context: Context, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request, 64 * 1024);
  const answer =
    body === undefined
      ? { status: 400, body: { err: 'invalid_request', description: 'the SET is too large' } }
      : await context.receiver.receive({ body, contentType: request.headers['content-type'], authorization: request.headers.authorization });
  response.writeHead(answer.status, answer.body ? { 'content-type': 'application/json' } : {}).end(answer.body ? JSON.stringify(answer.body) : undefined);
}

/** The subscriber's certificate, when the TLS layer requested one and it chains to the trusted CA. */
function clientCertificate(request: IncomingMessage): Buffer | undefined {
  const socket = request.socket as Partial<TLSSocket>;
  if (!socket.getPeerCertificate || socket.authorized !== true) return undefined;
  const raw = socket.getPeerCertificate().raw;
  return raw && raw.length > 0 ? raw : undefined;
}

function html(response: ServerResponse, status: number, body: string, cookies: string[] = []): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...(cookies.length > 0 ? { 'set-cookie': cookies } : {}) }).end(body);
}

async function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Keeps notices and log entries, and writes each as a JSON line: the reference RP tells the subscriber by logging. */
class LoggingRecorder extends MemoryRecorder {
  readonly #log: (line: string) => void;

  constructor(log: (line: string) => void) {
    super();
    this.#log = log;
  }

  override notify(notice: SubscriberNotice): void {
    super.notify(notice);
    this.#log(JSON.stringify({ notice: notice.kind, ...notice }));
  }

  override record(entry: RpLogEntry): void {
    super.record(entry);
    this.#log(JSON.stringify(entry));
  }
}

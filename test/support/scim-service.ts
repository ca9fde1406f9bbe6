// A SCIM 2.0 service for tests, built on SCIMMY (the protocol) and scimmy-routers (the HTTP routes).
// Only the storage behind SCIMMY's handlers (scim-store.ts), the bearer check and a small OAuth 2.0
// token endpoint are written here.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import SCIMMYRouters from 'scimmy-routers';
import { BULK_CEILING, declareResources, renderUser, ScimStore, type Json, type ScimContext } from './scim-store.ts';

export interface ScimServiceOptions {
  /** The static bearer token the SCIM routes accept; random when not given. */
  readonly token?: string;
  /** Serves POST /oauth/token (client_credentials, client_secret_basic) issuing tokens the routes accept. */
  readonly oauth?: { readonly clientId: string; readonly clientSecret: string; readonly expiresIn?: number };
  /** Whether Users carry their `groups` (true, as most services do) or clients must ask /Groups. */
  readonly groupsOnUsers?: boolean;
  /** Applies PATCHes that only replace plain attributes (`active`) without SCIMMY's costly PatchOp: for benchmarks. */
  readonly fastPatch?: boolean;
  /** Takes POST /Bulk within these limits (at most BULK_CEILING's) and says so in its ServiceProviderConfig; without it, /Bulk is answered 501. */
  readonly bulk?: { readonly maxOperations: number; readonly maxPayloadSize: number };
}

/** A stored user as the service returns it (SCIM JSON). */
export interface ScimUserSnapshot {
  readonly id: string;
  readonly userName: string;
  readonly active?: boolean;
  readonly externalId?: string;
  readonly [attribute: string]: unknown;
}

export interface ScimService {
  /** The SCIM service root, e.g. http://127.0.0.1:1234/scim/v2 */
  readonly baseUrl: string;
  /** The OAuth token endpoint, when `oauth` was given. */
  readonly tokenUrl: string | null;
  readonly token: string;
  /** `METHOD /path` of every request received, in order. */
  readonly requests: string[];
  /** The operations of each /Bulk request taken, in order. */
  readonly bulkSizes: number[];
  users(): ScimUserSnapshot[];
  /** While down, every request is answered 503. */
  setDown(down: boolean): void;
  /** Forgets every token the OAuth endpoint issued (as a token server restart would). */
  revokeTokens(): void;
  stop(): Promise<void>;
}

// express ships no type declarations; this is the little of it used here.
interface Request extends IncomingMessage {
  readonly path: string;
  get(header: string): string | undefined;
  body?: unknown;
}
interface Response extends ServerResponse {
  status(code: number): Response;
  json(body: unknown): Response;
  send(body: unknown): Response;
}
type Handler = (req: Request, res: Response, next: () => void) => void;
interface ExpressApp {
  (req: IncomingMessage, res: ServerResponse): void;
  set(setting: string, value: unknown): ExpressApp;
  use(path: string | Handler | object, handler?: Handler | object): ExpressApp;
  post(path: string, handler: Handler): ExpressApp;
}
const express = createRequire(import.meta.url)('express') as (() => ExpressApp) & { json(options: { type: string[]; limit: number }): Handler };

type BulkSetting = ScimServiceOptions['bulk'];

function scimErrorBody(status: number, detail: string): Json {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail };
}

/**
 * The service's own /Bulk: its ServiceProviderConfig says what it takes (SCIMMY's settings are global to the process), and
 * a /Bulk request it does not take (none at all, or more operations than it allows) is refused before SCIMMY sees it.
 */
function bulkGate(bulk: BulkSetting, sizes: number[]): Handler {
  const parse = express.json({ type: ['application/scim+json', 'application/json'], limit: bulk?.maxPayloadSize ?? BULK_CEILING.maxPayloadSize });
  const advertised = bulk ? { supported: true, ...bulk } : { supported: false, maxOperations: 0, maxPayloadSize: 0 };
  return (req, res, next) => {
    if (req.method === 'GET' && req.path === '/scim/v2/ServiceProviderConfig') {
      const send = res.send.bind(res);
      res.send = (body: unknown) => send(typeof body === 'object' && body !== null ? { ...JSON.parse(JSON.stringify(body)), bulk: advertised } : body);
      return next();
    }
    if (req.method !== 'POST' || req.path !== '/scim/v2/Bulk') return next();
    if (!bulk) return void res.status(501).json(scimErrorBody(501, 'this service does not take /Bulk'));
    parse(req, res, () => {
      const operations = (req.body as { Operations?: unknown } | undefined)?.Operations;
      const count = Array.isArray(operations) ? operations.length : 0;
      if (count > bulk.maxOperations) return void res.status(413).json(scimErrorBody(413, `more than ${bulk.maxOperations} operations`));
      sizes.push(count);
      next();
    });
  };
}

/**
 * Parses a query string for SCIMMY. Express 5 parses `req.query` anew on each read, so the routers'
 * own cast of startIndex/count to numbers is lost and SCIMMY would ignore paging; SCIMMY's filter
 * lexer also cannot read an escaped quote, so `\"` becomes `\u0022`, which decodeFilterString undoes.
 */
function parseQuery(query: string): Json {
  const params: Json = Object.fromEntries(new URLSearchParams(query));
  for (const name of ['startIndex', 'count']) {
    const value = params[name];
    if (typeof value === 'string' && /^-?\d+$/.test(value)) params[name] = Number(value);
  }
  if (typeof params.filter === 'string') params.filter = params.filter.replace(/\\(["\\])/g, (_, c: string) => (c === '"' ? '\\u0022' : '\\\\'));
  return params;
}

interface IssuedTokens {
  readonly expiry: Map<string, number>;
}

function bearerCheck(staticToken: string, issued: IssuedTokens): (req: Request) => string {
  return (req) => {
    const presented = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (presented === undefined) throw new Error('a bearer token is required');
    if (presented === staticToken) return 'muster';
    const expires = issued.expiry.get(presented);
    if (expires === undefined || expires < Date.now()) throw new Error('the bearer token is not valid');
    return 'muster';
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function basicCredentials(header: string | undefined): [string, string] | null {
  const encoded = /^Basic (.+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const formDecode = (part: string) => new URLSearchParams(`v=${part}`).get('v') ?? '';
  return [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
}

function tokenEndpoint(oauth: NonNullable<ScimServiceOptions['oauth']>, issued: IssuedTokens): Handler {
  return (req, res) => {
    void readBody(req).then((body) => {
      const credentials = basicCredentials(req.get('authorization'));
      if (!credentials || credentials[0] !== oauth.clientId || credentials[1] !== oauth.clientSecret) {
        res.setHeader('WWW-Authenticate', 'Basic realm="token"');
        res.status(401).json({ error: 'invalid_client' });
        return;
      }
      if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') {
        res.status(400).json({ error: 'unsupported_grant_type' });
        return;
      }
      const token = randomBytes(24).toString('base64url');
      const expiresIn = oauth.expiresIn ?? 3600;
      issued.expiry.set(token, Date.now() + expiresIn * 1000);
      res.setHeader('Cache-Control', 'no-store');
      res.json({ access_token: token, token_type: 'Bearer', expires_in: expiresIn });
    });
  };
}

/** Starts a SCIMMY-backed SCIM 2.0 service on 127.0.0.1 at a free port. */
export async function startScimService(options: ScimServiceOptions = {}): Promise<ScimService> {
  declareResources();
  const store = new ScimStore();
  const settings = { store, groupsOnUsers: options.groupsOnUsers ?? true, fastPatch: options.fastPatch ?? false };
  const token = options.token ?? randomBytes(24).toString('base64url');
  const issued: IssuedTokens = { expiry: new Map() };
  const requests: string[] = [];
  const bulkSizes: number[] = [];
  let down = false;

  const app = express();
  app.set('query parser', parseQuery);
  // express would send a hash of the body as ETag; a resource's version is its meta.version
  app.set('etag', false);
  app.use((req, res, next) => {
    requests.push(`${req.method} ${req.path}`);
    if (!down) return next();
    res.setHeader('Retry-After', '1');
    res.setHeader('Content-Type', 'application/scim+json');
    res.status(503).json({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503', detail: 'the service is down' });
  });
  app.use(bulkGate(options.bulk, bulkSizes));
  if (options.oauth) app.post('/oauth/token', tokenEndpoint(options.oauth, issued));
  app.use(
    '/scim/v2',
    new SCIMMYRouters({
      type: options.oauth ? 'oauth' : 'bearer',
      handler: bearerCheck(token, issued),
      context: (req: Request): ScimContext => ({ ...settings, ifMatch: req.get('if-match') }),
    }),
  );

  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: `${origin}/scim/v2`,
    tokenUrl: options.oauth ? `${origin}/oauth/token` : null,
    token,
    requests,
    bulkSizes,
    users: () => [...store.users.values()].map((u) => JSON.parse(JSON.stringify(renderUser(settings, u))) as ScimUserSnapshot),
    setDown: (value) => {
      down = value;
    },
    revokeTokens: () => issued.expiry.clear(),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Test support (not part of muster/rp): a bare oidc-provider on 127.0.0.1 whose accounts emit
// muster's PIV federation claims, with an automatic login, a UserInfo call counter, and an SSF
// transmitter face (configuration, JWKS, an RFC 8936 poll endpoint) whose SETs the test signs.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';
import { ACR } from './profile.ts';

export interface TestPerson {
  /** Claims in the ID token (and UserInfo). */
  idToken: Record<string, unknown>;
  /** Claims released through UserInfo only. */
  userinfo: Record<string, unknown>;
}

export interface NextLogin {
  accountId: string;
  acr?: string;
  /** auth_time, seconds since the epoch. */
  authTime?: number;
}

export interface TestIdp {
  readonly issuer: string;
  readonly people: Map<string, TestPerson>;
  nextLogin: NextLogin;
  readonly counters: { userinfo: number };
  /** Registers the RP clients; the provider starts serving after this. */
  register(clients: readonly Record<string, unknown>[]): void;
  /** Signs a SET with the transmitter key (RS256, typ secevent+jwt). */
  signSet(payload: JWTPayload, options?: { typ?: string; kid?: string }): Promise<string>;
  /** Queues a SET for the poll endpoint; returns its jti. */
  queueSet(jti: string, set: string): void;
  readonly pollToken: string;
  readonly polled: { ack: string[]; setErrs: Record<string, unknown> };
  close(): Promise<void>;
}

const PIV_CLAIM_NAMES = ['piv_federation', 'piv_home_agency', 'piv_org_affiliation', 'ial', 'aal', 'fal', 'piv_credential_type', 'bound_authn_required', 'cnf', 'updated_at'];

export async function startTestIdp(): Promise<TestIdp> {
  // it signs anyone in at once: never outside the test suites
  if (process.env.MUSTER_TEST !== '1') throw new Error('the test IdP runs only under MUSTER_TEST=1');
  const ssfKeys = await generateKeyPair('RS256', { extractable: true });
  const ssfPublic = { ...(await exportJWK(ssfKeys.publicKey)), kid: 'ssf-1', alg: 'RS256', use: 'sig' };
  const signing = await generateKeyPair('RS256', { extractable: true });
  const signingJwk = { ...(await exportJWK(signing.privateKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
  const queue = new Map<string, string>();
  let provider: Provider | undefined;
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: TestIdp = {
    issuer,
    people: new Map(),
    nextLogin: { accountId: '' },
    counters: { userinfo: 0 },
    pollToken: 'poll-token-for-tests',
    polled: { ack: [], setErrs: {} },
    register(clients) {
      provider = createProvider(issuer, signingJwk, clients, idp);
    },
    signSet: (payload, options = {}) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: options.typ ?? 'secevent+jwt', kid: options.kid ?? 'ssf-1' }).sign(ssfKeys.privateKey),
    queueSet: (jti, set) => void queue.set(jti, set),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (path === '/.well-known/ssf-configuration')
      return json(res, { spec_version: '1_0', issuer, jwks_uri: `${issuer}/ssf/jwks`, delivery_methods_supported: ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936'] });
    if (path === '/ssf/jwks') return json(res, { keys: [ssfPublic] });
    if (path === '/ssf/poll') return void poll(req, res, idp, queue);
    if (!provider) return void res.writeHead(503).end();
    if (path === '/me') idp.counters.userinfo++;
    if (path.startsWith('/interaction/')) return void interact(provider, idp, req, res);
    return void provider.callback()(req, res);
  });
  return idp;
}

function createProvider(issuer: string, signingJwk: JWK, clients: readonly Record<string, unknown>[], idp: TestIdp): Provider {
  return new Provider(issuer, {
    clients: clients as never,
    jwks: { keys: [signingJwk as never] },
    cookies: { keys: ['a cookie key for tests only'] },
    conformIdTokenClaims: false,
    claims: { openid: ['sub', ...PIV_CLAIM_NAMES], profile: ['name', 'given_name', 'family_name'], email: ['email'] },
    acrValues: [ACR.aal2, ACR.aal3],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    async findAccount(_ctx: unknown, id: string) {
      const person = idp.people.get(id);
      if (!person) return undefined;
      return { accountId: id, claims: async (use: string) => ({ sub: id, ...person.idToken, ...(use === 'userinfo' ? person.userinfo : {}) }) };
    },
  });
}

async function interact(provider: Provider, idp: TestIdp, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      const { accountId, acr = ACR.aal3, authTime } = idp.nextLogin;
      return await provider.interactionFinished(req, res, { login: { accountId, acr, amr: ['sc', 'pin'], ...(authTime ? { ts: authTime } : {}) } }, { mergeWithLastSubmission: false });
    }
    const grant = new provider.Grant({ accountId: details.session?.accountId as string, clientId: details.params.client_id as string });
    grant.addOIDCScope(String(details.params.scope));
    const missing = (details.prompt.details as { missingOIDCClaims?: string[] }).missingOIDCClaims;
    if (missing) grant.addOIDCClaims(missing);
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
  }
}

async function poll(req: IncomingMessage, res: ServerResponse, idp: TestIdp, queue: Map<string, string>): Promise<void> {
  if (req.headers.authorization !== `Bearer ${idp.pollToken}`) return void res.writeHead(401).end();
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { maxEvents: number; ack?: string[]; setErrs?: Record<string, unknown> };
  for (const jti of body.ack ?? []) {
    queue.delete(jti);
    idp.polled.ack.push(jti);
  }
  for (const [jti, err] of Object.entries(body.setErrs ?? {})) {
    queue.delete(jti);
    idp.polled.setErrs[jti] = err;
  }
  const sets = Object.fromEntries([...queue.entries()].slice(0, body.maxEvents));
  json(res, { sets, moreAvailable: queue.size > Object.keys(sets).length });
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

// One complete OpenID Connect sign-in as a relying party and a browser drive it: authorization request, the
// IdP's login, the code at the redirect URI, the token request (private_key_jwt, PKCE) and UserInfo. The same
// driver runs against muster's OP and a bare oidc-provider, so both carry the same client-side cost.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import { SignJWT, type CryptoKey } from 'jose';

export interface FlowTarget {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userinfoEndpoint: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly clientKey: CryptoKey;
  readonly kid: string;
  /** Where the browser goes when the OP sends it to `interactionUrl` (muster: the mutual-TLS PIV path). */
  loginUrl(interactionUrl: string): string;
  /** The agent for a URL: muster's mutual-TLS origin gets a fresh one with the software PIV card for each sign-in. */
  agentFor(url: string): HttpAgent | HttpsAgent | undefined;
  readonly extraParams?: Record<string, string>;
}

interface Reply {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
}

function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; agent?: HttpAgent | HttpsAgent }): Promise<Reply & { cookies: string[] }> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location ? new URL(res.headers.location, target).toString() : undefined,
          body: Buffer.concat(chunks).toString('utf8'),
          cookies: res.headers['set-cookie'] ?? [],
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Cookies by name, for the one host both origins share (cookies ignore the port, as in a browser). */
class CookieJar {
  readonly #cookies = new Map<string, string>();
  take(headers: readonly string[]): void {
    for (const header of headers) {
      const [pair] = header.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(header)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.#cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** Runs one sign-in; resolves with the UserInfo `sub`. */
export async function signIn(target: FlowTarget): Promise<string> {
  const verifier = base64url(randomBytes(32));
  const params = new URLSearchParams({
    client_id: target.clientId,
    redirect_uri: target.redirectUri,
    response_type: 'code',
    scope: 'openid',
    state: base64url(randomBytes(16)),
    nonce: base64url(randomBytes(16)),
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    ...target.extraParams,
  });
  const code = await browse(target, `${target.authorizationEndpoint}?${params}`);
  const tokens = await tokenRequest(target, code, verifier);
  const userinfo = await send(target.userinfoEndpoint, { headers: { authorization: `Bearer ${tokens.access_token}` }, agent: target.agentFor(target.userinfoEndpoint) });
  if (userinfo.status !== 200) throw new Error(`UserInfo answered ${userinfo.status}: ${userinfo.body}`);
  return (JSON.parse(userinfo.body) as { sub: string }).sub;
}

/** Follows the browser's redirects from the authorization request to the code at the redirect URI. */
async function browse(target: FlowTarget, start: string): Promise<string> {
  const jar = new CookieJar();
  let url = start;
  let signedIn = false;
  for (let hop = 0; hop < 12; hop += 1) {
    const reply = await send(url, { headers: { cookie: jar.header() }, agent: target.agentFor(url) });
    jar.take(reply.cookies);
    if (reply.location === undefined) throw new Error(`sign-in stopped at ${url} with ${reply.status}: ${reply.body.slice(0, 300)}`);
    if (reply.location.startsWith(target.redirectUri)) {
      const code = new URL(reply.location).searchParams.get('code');
      if (!code) throw new Error(`no code at the redirect URI: ${reply.location}`);
      return code;
    }
    const toLogin: boolean = !signedIn && reply.location.includes('/interaction/');
    signedIn ||= toLogin;
    url = toLogin ? target.loginUrl(reply.location) : reply.location;
  }
  throw new Error('too many redirects');
}

async function tokenRequest(target: FlowTarget, code: string, verifier: string): Promise<{ access_token: string; id_token: string }> {
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: target.kid })
    .setIssuer(target.clientId)
    .setSubject(target.clientId)
    .setAudience(target.issuer)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(target.clientKey);
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: target.redirectUri,
    code_verifier: verifier,
    client_id: target.clientId,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  }).toString();
  const reply = await send(target.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, agent: target.agentFor(target.tokenEndpoint) });
  if (reply.status !== 200) throw new Error(`token endpoint answered ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as { access_token: string; id_token: string };
}

export interface FlowRun {
  readonly signIns: number;
  readonly seconds: number;
  readonly latenciesMs: readonly number[];
}

/** `count` sign-ins with `concurrency` in flight; every one must succeed. */
export async function runSignIns(target: FlowTarget, count: number, concurrency: number): Promise<FlowRun> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const began = performance.now();
      await signIn(target);
      latencies.push(performance.now() - began);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { signIns: count, seconds: (performance.now() - started) / 1000, latenciesMs: latencies };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

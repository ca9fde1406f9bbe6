import { MusterError } from '../../../core/errors.ts';
import { failureError, unreachableError } from './failures.ts';
import type { OutboundFetch } from '../../outbound/index.ts';
import type { ScimAuth } from './options.ts';

/** Supplies the Authorization header of SCIM requests. */
export interface Authorizer {
  header(): Promise<string>;
  /** The service refused this header (401): the next call to header() must not return it again. */
  refused(header: string): boolean;
}

class StaticBearer implements Authorizer {
  readonly #header: string;

  constructor(token: string) {
    this.#header = `Bearer ${token}`;
  }

  async header(): Promise<string> {
    return this.#header;
  }

  refused(): boolean {
    return false;
  }
}

interface CachedToken {
  readonly header: string;
  /** When to fetch a new token, shortly before this one expires. */
  readonly renewAt: number;
}

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 wants client id and secret encoded before Basic. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** Keeps a token until shortly before it expires: a tenth of its lifetime, at most a minute. */
function renewAt(expiresIn: unknown, now: number): number {
  if (typeof expiresIn !== 'number' || !(expiresIn > 0)) return Number.POSITIVE_INFINITY;
  const lifetime = expiresIn * 1000;
  return now + lifetime - Math.min(60_000, lifetime / 10);
}

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4). One token is shared by all requests; concurrent
 * callers wait for the same fetch, and a token the service refuses is dropped and fetched again.
 */
class ClientCredentials implements Authorizer {
  readonly #target: string;
  readonly #auth: Extract<ScimAuth, { type: 'oauth' }>;
  readonly #timeoutMs: number;
  readonly #http: OutboundFetch;
  #cached: CachedToken | null = null;
  #pending: Promise<CachedToken> | null = null;

  constructor(target: string, auth: Extract<ScimAuth, { type: 'oauth' }>, timeoutMs: number, fetch: OutboundFetch) {
    this.#http = fetch;
    this.#target = target;
    this.#auth = auth;
    this.#timeoutMs = timeoutMs;
  }

  async header(): Promise<string> {
    if (this.#cached && Date.now() < this.#cached.renewAt) return this.#cached.header;
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = null;
    });
    this.#cached = await this.#pending;
    return this.#cached.header;
  }

  refused(header: string): boolean {
    if (this.#cached?.header === header) this.#cached = null;
    return true;
  }

  async #fetch(): Promise<CachedToken> {
    const request = `POST ${this.#auth.tokenUrl}`;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.#auth.scope) form.set('scope', this.#auth.scope);
    const basic = Buffer.from(`${formEncode(this.#auth.clientId)}:${formEncode(this.#auth.clientSecret)}`).toString('base64');
    let response: Response;
    let body: unknown;
    try {
      response = await this.#http(this.#auth.tokenUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      body = await response.json().catch(() => null);
    } catch (cause) {
      throw unreachableError(this.#target, request, cause);
    }
    if (!response.ok) throw failureError(this.#target, request, { status: response.status, retryAfter: response.headers.get('retry-after'), body });
    return this.#token(body);
  }

  #token(body: unknown): CachedToken {
    const answer = (body ?? {}) as { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    if (typeof answer.access_token !== 'string' || String(answer.token_type).toLowerCase() !== 'bearer') {
      throw new MusterError('MUSTER_ERR_TARGET_REFUSED', `target '${this.#target}': the token endpoint gave no bearer access token`, [
        { field: 'tokenUrl', value: this.#auth.tokenUrl, message: 'no bearer access_token in the answer' },
      ]);
    }
    return { header: `Bearer ${answer.access_token}`, renewAt: renewAt(answer.expires_in, Date.now()) };
  }
}

export function authorizer(target: string, auth: ScimAuth, timeoutMs: number, fetch: OutboundFetch): Authorizer {
  return auth.type === 'bearer' ? new StaticBearer(auth.token) : new ClientCredentials(target, auth, timeoutMs, fetch);
}

import { authorizer, type Authorizer } from './auth.ts';
import { failureError, unreachableError } from './failures.ts';
import { Gate } from './gate.ts';
import { type OutboundFetch, agencyFetch } from '../../outbound/index.ts';
import { SCIM_DEFAULTS, type ScimOptions } from './options.ts';

export type Json = Record<string, unknown>;

export interface ScimRequest {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | number>>;
  readonly ifMatch?: string;
  /** Statuses besides 2xx the caller handles itself (404 on delete, 412, 409 on a group create). */
  readonly accept?: readonly number[];
}

export interface ScimResponse {
  readonly status: number;
  /** The JSON body, or null for 204 and empty answers. */
  readonly body: Json | null;
  readonly etag: string | null;
}

interface Exchange extends ScimResponse {
  readonly retryAfter: string | null;
  readonly raw: unknown;
}

const SCIM_JSON = 'application/scim+json';

function queryString(query: Readonly<Record<string, string | number>> | undefined): string {
  if (!query) return '';
  // encodeURIComponent rather than URLSearchParams: some services read '+' in a filter literally
  const pairs = Object.entries(query).map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
  return pairs.length ? `?${pairs.join('&')}` : '';
}

function parse(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 300);
  }
}

/**
 * HTTP to one SCIM service: authentication (a refused token is renewed and the request sent once
 * more), a timeout per request, at most `concurrency` requests in flight, and every failure as a
 * MusterError. Requests go through the outbound client of the agency's targets: the address is checked, no redirect is
 * followed.
 */
export class ScimClient {
  readonly #target: string;
  readonly #baseUrl: string;
  readonly #auth: Authorizer;
  readonly #timeoutMs: number;
  readonly #gate: Gate;
  readonly #closing = new AbortController();
  readonly #fetch: OutboundFetch;

  constructor(target: string, options: ScimOptions) {
    this.#fetch = options.outbound ?? agencyFetch();
    this.#target = target;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? SCIM_DEFAULTS.timeoutMs;
    this.#auth = authorizer(target, options.auth, this.#timeoutMs, this.#fetch);
    this.#gate = new Gate(options.concurrency ?? SCIM_DEFAULTS.concurrency);
  }

  request(method: string, path: string, init: ScimRequest = {}): Promise<ScimResponse> {
    return this.#gate.run(() => this.#send(method, path, init));
  }

  /** Aborts requests in flight; later requests fail as unavailable. */
  close(): void {
    this.#closing.abort(new Error('the connector is closed'));
  }

  async #send(method: string, path: string, init: ScimRequest): Promise<ScimResponse> {
    const header = await this.#auth.header();
    let answer = await this.#exchange(method, path, init, header);
    if (answer.status === 401 && this.#auth.refused(header)) answer = await this.#exchange(method, path, init, await this.#auth.header());
    if ((answer.status >= 200 && answer.status < 300) || init.accept?.includes(answer.status)) return answer;
    throw failureError(this.#target, `${method} ${path}`, { status: answer.status, retryAfter: answer.retryAfter, body: answer.raw });
  }

  async #exchange(method: string, path: string, init: ScimRequest, authorization: string): Promise<Exchange> {
    const headers: Record<string, string> = { authorization, accept: `${SCIM_JSON}, application/json` };
    if (init.body !== undefined) headers['content-type'] = SCIM_JSON;
    if (init.ifMatch !== undefined) headers['if-match'] = init.ifMatch;
    try {
      const response = await this.#fetch(`${this.#baseUrl}${path}${queryString(init.query)}`, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#closing.signal]),
      });
      const raw = parse(await response.text());
      const body = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Json) : null;
      return { status: response.status, body, raw, etag: response.headers.get('etag'), retryAfter: response.headers.get('retry-after') };
    } catch (cause) {
      throw unreachableError(this.#target, `${method} ${path}`, cause);
    }
  }
}

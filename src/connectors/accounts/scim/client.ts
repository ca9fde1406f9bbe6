import { authorizer, type Authorizer } from './auth.ts';
import { BULK_REQUEST, type BulkCall, type BulkLimits, bulkAnswers, bulkOperation, chunkCalls } from './bulk.ts';
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
  /** May go out inside a /Bulk request with the calls made at the same time, when the service takes them (no `ifMatch`). */
  readonly bulk?: boolean;
}

export interface ScimResponse {
  readonly status: number;
  /** The JSON body, or null for 204 and empty answers. */
  readonly body: Json | null;
  readonly etag: string | null;
  /** Where the service says the resource is (a POST in /Bulk answers only that), when it says. */
  readonly location?: string | null;
}

interface Exchange extends ScimResponse {
  readonly retryAfter: string | null;
  readonly raw: unknown;
}

const SCIM_JSON = 'application/scim+json';

/** A call waiting for the next /Bulk request. */
interface Waiting extends BulkCall {
  readonly init: ScimRequest;
  readonly resolve: (answer: ScimResponse) => void;
  readonly reject: (error: unknown) => void;
}

/** Answers to a /Bulk request that mean the service does not take it after all: its calls go out one by one instead. */
const BULK_REFUSED = [400, 403, 404, 405, 413, 501];

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
  readonly #concurrency: number;
  #bulk: BulkLimits | null = null;
  #waiting: Waiting[] = [];
  /** Numbers the POSTs that go out in /Bulk (their bulkId). */
  #posts = 0;

  constructor(target: string, options: ScimOptions) {
    this.#fetch = options.outbound ?? agencyFetch();
    this.#target = target;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? SCIM_DEFAULTS.timeoutMs;
    this.#auth = authorizer(target, options.auth, this.#timeoutMs, this.#fetch);
    this.#concurrency = options.concurrency ?? SCIM_DEFAULTS.concurrency;
    this.#gate = new Gate(this.#concurrency);
  }

  request(method: string, path: string, init: ScimRequest = {}): Promise<ScimResponse> {
    if (init.bulk && this.#bulk && init.ifMatch === undefined) return this.#queue(method, path, init);
    return this.#gate.run(() => this.#send(method, path, init));
  }

  /** Sends the calls marked `bulk` through /Bulk within these limits from now on; null sends each alone. */
  useBulk(limits: BulkLimits | null): void {
    this.#bulk = limits;
  }

  /** Holds a call until the calls of this turn of the event loop go out together. */
  #queue(method: string, path: string, init: ScimRequest): Promise<ScimResponse> {
    return new Promise<ScimResponse>((resolve, reject) => {
      if (this.#waiting.length === 0) setImmediate(() => this.#flush());
      const bulkId = method === 'POST' ? { bulkId: `p${++this.#posts}` } : {};
      this.#waiting.push({ method, path, body: init.body, ...bulkId, init, resolve, reject });
    });
  }

  #flush(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    const limits = this.#bulk;
    for (const chunk of limits ? chunkCalls(waiting, limits, this.#concurrency) : waiting.map((w) => ({ calls: [w], alone: true }))) {
      if (chunk.alone || chunk.calls.length === 1) for (const w of chunk.calls) this.#alone(w);
      else void this.#gate.run(() => this.#sendBulk(chunk.calls));
    }
  }

  #alone(w: Waiting): void {
    this.#gate.run(() => this.#send(w.method, w.path, w.init)).then(w.resolve, w.reject);
  }

  /** One /Bulk request; each call settles with its own answer, as if it had gone alone. */
  async #sendBulk(calls: readonly Waiting[]): Promise<void> {
    let answer: ScimResponse;
    try {
      answer = await this.#send('POST', '/Bulk', { body: { schemas: [BULK_REQUEST], Operations: calls.map(bulkOperation) }, accept: BULK_REFUSED });
    } catch (error) {
      for (const w of calls) w.reject(error);
      return;
    }
    if (BULK_REFUSED.includes(answer.status)) {
      this.#bulk = null;
      for (const w of calls) this.#alone(w);
      return;
    }
    bulkAnswers(calls, answer.body).forEach((a, i) => {
      const w = calls[i] as Waiting;
      const request = `${w.method} ${w.path} (in POST /Bulk)`;
      if (a === null) w.reject(failureError(this.#target, request, { status: 502, retryAfter: null, body: 'the bulk response did not answer this operation' }));
      else if ((a.status >= 200 && a.status < 300) || w.init.accept?.includes(a.status)) w.resolve(a);
      else w.reject(failureError(this.#target, request, { status: a.status, retryAfter: null, body: a.body }));
    });
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
      const answered = response.headers;
      return { status: response.status, body, raw, etag: answered.get('etag'), location: answered.get('location'), retryAfter: answered.get('retry-after') };
    } catch (cause) {
      throw unreachableError(this.#target, `${method} ${path}`, cause);
    }
  }
}

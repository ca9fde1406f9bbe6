import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { type AddressPolicy, type ResolvedAddress, type Resolver, checkedAddress, outboundRefused, systemResolver } from './guard.ts';

/**
 * muster's one way out: every request it sends (fetches and pushes) goes through a client made here. The host is
 * resolved once, every address is checked against the caller's policy, and the connection goes to the checked address
 * (so a DNS answer that changes after the check is never used). No redirect is followed; the answer is read into
 * memory up to a size limit, within a time limit.
 */

export interface OutboundOptions {
  readonly policy: AddressPolicy;
  readonly resolver?: Resolver;
  /** The whole exchange, connect to last byte; default 10 s. */
  readonly timeoutMs?: number;
  /** The largest answer body read; default 1 MiB. */
  readonly maxResponseBytes?: number;
}

/** Called like `fetch`; answers a Response whose body is already read. */
export type OutboundFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export const OUTBOUND_DEFAULTS = { timeoutMs: 10_000, maxResponseBytes: 1024 * 1024 } as const;

interface Exchange {
  readonly url: URL;
  readonly address: ResolvedAddress;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  readonly signal: AbortSignal;
  readonly maxBytes: number;
}

export function outboundClient(options: OutboundOptions): OutboundFetch {
  const resolver = options.resolver ?? systemResolver;
  const timeoutMs = options.timeoutMs ?? OUTBOUND_DEFAULTS.timeoutMs;
  const maxBytes = options.maxResponseBytes ?? OUTBOUND_DEFAULTS.maxResponseBytes;
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const address = await checkedAddress(url, options.policy, resolver);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), request.signal]);
    return exchange({ url, address, method: request.method, headers: Object.fromEntries(request.headers), body, signal, maxBytes });
  };
}

function exchange(x: Exchange): Promise<Response> {
  return new Promise((resolve, reject) => {
    const host = x.url.hostname.replace(/^\[|\]$/g, '');
    const transport = x.url.protocol === 'https:' ? https : http;
    const fail = (error: unknown): void => reject(x.signal.aborted ? x.signal.reason : error);
    const request = transport.request(
      {
        protocol: x.url.protocol,
        hostname: host,
        port: x.url.port || undefined,
        path: `${x.url.pathname}${x.url.search}`,
        method: x.method,
        headers: { ...x.headers, ...(x.body ? { 'content-length': String(x.body.length) } : {}) },
        signal: x.signal,
        agent: false,
        lookup: pinnedLookup(x.address),
        ...(isIP(host) ? {} : { servername: host }),
      },
      (answer) => readAnswer(x, answer).then(resolve, fail),
    );
    request.on('error', fail);
    request.end(x.body);
  });
}

/** A `lookup` that answers the checked address whatever it is asked. */
function pinnedLookup(address: ResolvedAddress): NonNullable<http.RequestOptions['lookup']> {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [address]);
    else callback(null, address.address, address.family);
  }) as NonNullable<http.RequestOptions['lookup']>;
}

async function readAnswer(x: Exchange, answer: http.IncomingMessage): Promise<Response> {
  const status = answer.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    answer.destroy();
    throw outboundRefused(x.url.href, `it answered ${status}, a redirect${answer.headers.location ? ` to ${answer.headers.location}` : ''}, and muster follows no redirects`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of answer as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > x.maxBytes) {
      answer.destroy();
      throw outboundRefused(x.url.href, `its answer is larger than ${x.maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  const empty = status === 204 || status === 205 || status === 304;
  return new Response(empty ? null : Buffer.concat(chunks), { status, statusText: answer.statusMessage ?? '', headers: headersOf(answer) });
}

function headersOf(answer: http.IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
  }
  return headers;
}

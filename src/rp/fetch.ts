/**
 * A fetch for openid-client and jose built on node:https, for what the global fetch cannot do
 * without extra packages: trust a private CA, and present the RP's own certificate for
 * `tls_client_auth` (RFC 8705). Plain http URLs (loopback tests) go through node:http.
 */
import http from 'node:http';
import https from 'node:https';

export interface TlsFetchOptions {
  /** CA certificates (PEM) to trust instead of the system store. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** The RP's client certificate and key (PEM), for mutual TLS. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

export interface FetchInit {
  readonly method?: string;
  readonly headers?: Record<string, string> | Headers;
  readonly body?: unknown;
  readonly signal?: AbortSignal | null;
}

export type RpFetch = (url: string, init: FetchInit) => Promise<Response>;

export function tlsFetch(options: TlsFetchOptions = {}): RpFetch {
  return (url, init) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const transport = target.protocol === 'https:' ? https : http;
      const headers = init.headers instanceof Headers ? Object.fromEntries(init.headers) : init.headers;
      const request = transport.request(
        target,
        { method: init.method ?? 'GET', headers, ca: options.ca as string[], cert: options.cert, key: options.key, signal: init.signal ?? undefined },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => resolve(toResponse(response, Buffer.concat(chunks))));
        },
      );
      request.on('error', reject);
      request.end(bodyOf(init.body));
    });
}

function toResponse(response: http.IncomingMessage, body: Buffer): Response {
  const status = response.statusCode ?? 502;
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) headers.append(name, v);
  }
  return new Response([101, 204, 205, 304].includes(status) ? null : body, { status, headers });
}

function bodyOf(body: unknown): string | Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new TypeError('tlsFetch: streamed request bodies are not supported');
}

import type { ServerResponse } from 'node:http';
import { OCSP_RESPONSE_MEDIA_TYPE } from './media-types.ts';
import type { OcspAnswer } from './responder.ts';

/** The plain headers of an answer, made once per answer (answers are pre-signed and served many times). */
const HEADERS = new WeakMap<OcspAnswer, readonly string[]>();

function headersOf(answer: OcspAnswer): readonly string[] {
  let headers = HEADERS.get(answer);
  if (headers === undefined) {
    headers = ['Content-Type', OCSP_RESPONSE_MEDIA_TYPE, 'Content-Length', String(answer.der.byteLength)];
    HEADERS.set(answer, headers);
  }
  return headers;
}

/** The RFC 5019 §6.2 caching headers of a signed answer; none for an unsigned error answer. */
function cacheHeaders(answer: OcspAnswer, now: number): string[] {
  if (answer.producedAt === undefined || answer.nextUpdate === undefined) return [];
  const maxAge = Math.max(0, Math.floor((answer.nextUpdate - now) / 1000));
  return [
    'Cache-Control', `max-age=${maxAge}, public, no-transform, must-revalidate`,
    'Last-Modified', new Date(answer.producedAt).toUTCString(),
    'Expires', new Date(answer.nextUpdate).toUTCString(),
  ];
}

/** 200 with the DER OCSPResponse, head and body in one write. `cacheable` adds RFC 5019 caching headers (GET only). */
export function sendAnswer(response: ServerResponse, answer: OcspAnswer, cacheable: boolean): void {
  const headers = headersOf(answer);
  response.writeHead(200, (cacheable ? [...headers, ...cacheHeaders(answer, Date.now())] : headers) as string[]);
  response.end(answer.der);
}

/** An HTTP error with a one-line text body; `close` drops the connection afterwards (a body left unread). */
export function sendError(response: ServerResponse, status: number, text: string, extra: readonly string[] = [], close = false): void {
  const body = `${text}\n`;
  const headers = ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body)), ...extra];
  if (close) headers.push('Connection', 'close');
  response.writeHead(status, headers);
  response.end(body);
}

import type { ServerResponse } from 'node:http';
import { OCSP_RESPONSE_MEDIA_TYPE } from './media-types.ts';
import type { OcspAnswer } from './responder.ts';

/** The RFC 5019 §6.2 caching headers of a signed answer (max-age runs to nextUpdate); none for an unsigned error answer. */
function cacheHeaders(answer: OcspAnswer, now: number): string[] {
  const { producedAt, nextUpdate } = answer;
  if (producedAt === undefined || nextUpdate === undefined) return [];
  const maxAge = Math.max(0, Math.floor((nextUpdate - now) / 1000));
  const dates = ['Last-Modified', new Date(producedAt).toUTCString(), 'Expires', new Date(nextUpdate).toUTCString()];
  return ['Cache-Control', `max-age=${maxAge}, public, no-transform, must-revalidate`, ...dates];
}

/**
 * 200 with the DER OCSPResponse, head and body in one write. `cacheable` adds RFC 5019 caching headers (GET only).
 * The responder keeps its answers as Buffers, which the socket takes as they are.
 */
export function sendAnswer(response: ServerResponse, answer: OcspAnswer, cacheable: boolean): void {
  const headers = ['Content-Type', OCSP_RESPONSE_MEDIA_TYPE, 'Content-Length', String(answer.der.byteLength)];
  response.writeHead(200, cacheable ? [...headers, ...cacheHeaders(answer, Date.now())] : headers);
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

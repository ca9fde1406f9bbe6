import type { ServerResponse } from 'node:http';
import { OCSP_RESPONSE_MEDIA_TYPE } from './media-types.ts';
import type { OcspAnswer } from './responder.ts';

interface Wire {
  readonly headers: readonly string[];
  /** The DER as a Buffer view (a socket write of a plain Uint8Array makes one every time). */
  readonly body: Buffer;
}

/** What goes on the wire for an answer, made once per answer (answers are pre-signed and served many times). */
const WIRE = new WeakMap<OcspAnswer, Wire>();

function wireOf(answer: OcspAnswer): Wire {
  let wire = WIRE.get(answer);
  if (wire === undefined) {
    const { der } = answer;
    wire = { headers: ['Content-Type', OCSP_RESPONSE_MEDIA_TYPE, 'Content-Length', String(der.byteLength)], body: Buffer.from(der.buffer, der.byteOffset, der.byteLength) };
    WIRE.set(answer, wire);
  }
  return wire;
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
  const { headers, body } = wireOf(answer);
  response.writeHead(200, (cacheable ? [...headers, ...cacheHeaders(answer, Date.now())] : headers) as string[]);
  response.end(body);
}

/** An HTTP error with a one-line text body; `close` drops the connection afterwards (a body left unread). */
export function sendError(response: ServerResponse, status: number, text: string, extra: readonly string[] = [], close = false): void {
  const body = `${text}\n`;
  const headers = ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body)), ...extra];
  if (close) headers.push('Connection', 'close');
  response.writeHead(status, headers);
  response.end(body);
}

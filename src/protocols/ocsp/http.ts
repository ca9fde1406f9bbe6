import type { IncomingMessage, ServerResponse } from 'node:http';
import { ocspErrorResponse } from '../../pki/ocsp-signing.ts';
import { ocspGetPath } from './get-path.ts';
import { readBody } from './http-body.ts';
import { sendAnswer, sendError } from './http-reply.ts';
import { OCSP_REQUEST_MEDIA_TYPE } from './media-types.ts';
import { MAX_OCSP_REQUEST_BYTES } from './request.ts';
import { asBuffer, type OcspAnswer } from './responder.ts';

/** Where the listener gets its answers: an OcspResponder, or a copy of one in an OCSP worker (worker-answers.ts). */
export interface OcspAnswers {
  /** The answer when it is ready now (the usual case). */
  answerNow(request: Uint8Array): OcspAnswer | undefined;
  answer(request: Uint8Array): Promise<OcspAnswer>;
}

export interface OcspListenerOptions {
  /** Where OCSP is served, e.g. '/ocsp': POST to it (or below it), GET `{path}/{url-encoded base64 DER}`. */
  readonly path: string;
  /** Larger POST bodies get 413 (default 8 KiB, MAX_OCSP_REQUEST_BYTES). */
  readonly maxRequestBytes?: number;
}

/** A Node request listener for OCSP: true when it took the request, false when the URL is not under its path. */
export type OcspListener = (request: IncomingMessage, response: ServerResponse) => boolean;

const INTERNAL_ERROR: OcspAnswer = { der: asBuffer(ocspErrorResponse('internalError')) };
const NO_REQUEST = new Uint8Array();

/** Whether a request URL is `mount` itself or below it ('/ocsp' takes '/ocsp', '/ocsp/…' and '/ocsp?…'). */
function underMount(mount: string): (url: string) => boolean {
  if (mount === '') return (url) => url.startsWith('/');
  return (url) => url.startsWith(mount) && (url.length === mount.length || url[mount.length] === '/' || url[mount.length] === '?');
}

function isOcspRequestType(value: string | undefined): boolean {
  if (value === OCSP_REQUEST_MEDIA_TYPE) return true;
  return value !== undefined && (value.split(';')[0] as string).trim().toLowerCase() === OCSP_REQUEST_MEDIA_TYPE;
}

/** Answers at once when the answer is ready (the usual case: pre-signed), else once the responder has signed it. */
function reply(responder: OcspAnswers, response: ServerResponse, request: Uint8Array, cacheable: boolean): void {
  const ready = responder.answerNow(request);
  if (ready) return sendAnswer(response, ready, cacheable);
  responder.answer(request).then(
    (answer) => sendAnswer(response, answer, cacheable),
    () => sendAnswer(response, INTERNAL_ERROR, false),
  );
}

function post(responder: OcspAnswers, request: IncomingMessage, response: ServerResponse, max: number): void {
  if (!isOcspRequestType(request.headers['content-type'])) return sendError(response, 415, `POST needs Content-Type: ${OCSP_REQUEST_MEDIA_TYPE}`, ['Accept-Post', OCSP_REQUEST_MEDIA_TYPE], true);
  const declared = request.headers['content-length'];
  const tooLarge = () => sendError(response, 413, `an OCSP request is at most ${max} bytes`, [], true);
  if (declared !== undefined && Number(declared) > max) return tooLarge();
  readBody(request, max, (body) => (body ? reply(responder, response, body, false) : tooLarge()));
}

/**
 * The HTTP face of an OcspResponder (RFC 6960 Appendix A, RFC 5019): POST with Content-Type application/ocsp-request
 * (415 otherwise, 413 past `maxRequestBytes` without reading the rest), GET `{path}/{url-encoded base64 DER}` with the
 * RFC 5019 §6.2 caching headers on signed answers, HEAD as GET, 405 for other methods. Bytes that are no OCSP request
 * get the OCSP malformedRequest answer. Returns false, touching nothing, for URLs outside `path`.
 */
export function ocspListener(responder: OcspAnswers, options: OcspListenerOptions): OcspListener {
  if (!options.path.startsWith('/')) throw new TypeError(`the OCSP path must start with "/", not ${JSON.stringify(options.path)}`);
  const mount = options.path.replace(/\/+$/, '');
  const max = options.maxRequestBytes ?? MAX_OCSP_REQUEST_BYTES;
  const mine = underMount(mount);
  return (request, response) => {
    const url = request.url ?? '';
    if (!mine(url)) return false;
    const method = request.method;
    if (method === 'POST') post(responder, request, response, max);
    else if (method === 'GET' || method === 'HEAD') reply(responder, response, ocspGetPath(url, mount || '/') ?? NO_REQUEST, true);
    else sendError(response, 405, 'OCSP takes GET and POST', ['Allow', 'GET, HEAD, POST']);
    return true;
  };
}

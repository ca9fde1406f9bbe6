// Reading the certStatus out of a DER OCSPResponse, and pre-signing every status of the bench CA.
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { OcspResponder } from '../../src/protocols/ocsp/index.ts';
import { isRevokedIndex, REVOKED_AT } from './pki.ts';

/** 'good' | 'revoked' | 'unknown' for a successful response, else the error status number. */
export function certStatusOf(der: Uint8Array): string {
  const response = AsnConvert.parse(der, ocsp.OCSPResponse);
  if (!response.responseBytes) return `error ${response.responseStatus}`;
  const basic = AsnConvert.parse(response.responseBytes.response.buffer, ocsp.BasicOCSPResponse);
  const single = basic.tbsResponseData.responses[0];
  if (!single) return 'empty';
  return single.certStatus.good === null ? 'good' : single.certStatus.revoked ? 'revoked' : 'unknown';
}

/** setStatus for every serial, `batch` at a time (WebCrypto signs on the thread pool); returns the seconds taken. */
export async function presign(responder: OcspResponder, serials: readonly string[], batch = 256): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < serials.length; from += batch) {
    const chunk = serials.slice(from, from + batch);
    await Promise.all(chunk.map((serial, j) => responder.setStatus(serial, isRevokedIndex(from + j) ? { status: 'revoked', revokedAt: REVOKED_AT, reason: 'keyCompromise' } : { status: 'good' })));
  }
  return (performance.now() - started) / 1000;
}

/**
 * Marks `serial` revoked and polls respond() (yielding to the event loop between polls) until the answer changes; the
 * time stops there, and the new answer must then read revoked (it is parsed outside the timing).
 */
export async function revocationLatencyMs(responder: OcspResponder, serial: string, request: Uint8Array): Promise<number> {
  const before = await responder.respond(request);
  if (certStatusOf(before) !== 'good') throw new Error(`the revocation probe serial answers ${certStatusOf(before)} before revocation`);
  const started = performance.now();
  const setting = responder.setStatus(serial, { status: 'revoked', revokedAt: new Date(), reason: 'keyCompromise' });
  let after = before;
  while (after === before) {
    await new Promise((resolve) => setImmediate(resolve));
    after = await responder.respond(request);
  }
  const ms = performance.now() - started;
  await setting;
  if (certStatusOf(after) !== 'revoked') throw new Error(`after the revocation the probe serial answers ${certStatusOf(after)}`);
  return ms;
}

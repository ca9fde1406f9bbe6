import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { fromBER } from 'asn1js';
import { toHex } from '../../pki/der.ts';

/** Requests larger than this are refused as malformed before any parsing. */
export const MAX_OCSP_REQUEST_BYTES = 8 * 1024;

/** One CertID from a request; hashes and serial as lowercase hex, the serial without leading zero bytes. */
export interface RequestedCertId {
  readonly hashOid: string;
  readonly issuerNameHash: string;
  readonly issuerKeyHash: string;
  readonly serial: string;
}

export type ParsedOcspRequest = { readonly ok: true; readonly certIds: readonly RequestedCertId[]; readonly nonce?: Uint8Array } | { readonly ok: false; readonly reason: string };

/** Lowercase hex without leading zero bytes ("00" for zero): the key serials are stored under. */
export function normalizeSerial(serial: string | Uint8Array): string {
  const hex = typeof serial === 'string' ? serial.toLowerCase() : toHex(serial);
  return hex.replace(/^(00)+/, '') || '00';
}

function certIdOf(request: ocsp.Request): RequestedCertId {
  const id = request.reqCert;
  return {
    hashOid: id.hashAlgorithm.algorithm,
    issuerNameHash: toHex(id.issuerNameHash.buffer),
    issuerKeyHash: toHex(id.issuerKeyHash.buffer),
    serial: normalizeSerial(new Uint8Array(id.serialNumber)),
  };
}

function nonceOf(request: ocsp.OCSPRequest): Uint8Array | undefined {
  const extension = request.tbsRequest.requestExtensions?.find((e) => e.extnID === ocsp.id_pkix_ocsp_nonce);
  return extension ? new Uint8Array(extension.extnValue.buffer) : undefined;
}

/** RFC 6960 §4.1: the body is one DER OCSPRequest; anything after its last byte makes it malformed. */
function trailingBytes(bytes: Uint8Array): number {
  const { offset } = fromBER(new Uint8Array(bytes));
  return offset < 0 ? 0 : bytes.byteLength - offset;
}

function decode(bytes: Uint8Array): ocsp.OCSPRequest | string {
  const trailing = trailingBytes(bytes);
  if (trailing > 0) return `the request has ${trailing} bytes after the DER OCSPRequest`;
  try {
    return AsnConvert.parse(new Uint8Array(bytes), ocsp.OCSPRequest);
  } catch {
    return 'the body is not a DER OCSPRequest';
  }
}

/** Reads a DER OCSPRequest (RFC 6960 §4.1). Never throws: garbage, oversized, empty or trailing-byte requests come back as `ok: false`. */
export function parseOcspRequest(bytes: Uint8Array): ParsedOcspRequest {
  if (bytes.byteLength === 0) return { ok: false, reason: 'the request is empty' };
  if (bytes.byteLength > MAX_OCSP_REQUEST_BYTES) return { ok: false, reason: `the request is ${bytes.byteLength} bytes; at most ${MAX_OCSP_REQUEST_BYTES} are accepted` };
  const request = decode(bytes);
  if (typeof request === 'string') return { ok: false, reason: request };
  try {
    const certIds = request.tbsRequest.requestList.map(certIdOf);
    if (certIds.length === 0) return { ok: false, reason: 'the request names no certificate' };
    const nonce = nonceOf(request);
    return nonce ? { ok: true, certIds, nonce } : { ok: true, certIds };
  } catch {
    return { ok: false, reason: 'the request has an unreadable CertID' };
  }
}

import { createHash } from 'node:crypto';
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { REASON_CODES, type RevocationReason } from './crl.ts';
import { signatureAlgorithm } from './der.ts';
import type { CaKey } from './keys.ts';
import type { X509Certificate } from './x509.ts';

/** OCSPResponseStatus values (RFC 6960 §4.2.1) other than successful: these carry no responseBytes and no signature. */
export type OcspErrorStatus = 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';

const ERROR_STATUS: Record<OcspErrorStatus, number> = { malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 };

export type OcspCertStatus = { readonly status: 'good' } | { readonly status: 'revoked'; readonly revokedAt: Date; readonly reason: RevocationReason } | { readonly status: 'unknown' };

/** A delegated OCSP responder: its certificate (issued by the CA it answers for) and its signing key. */
export interface OcspSigner {
  readonly certificate: X509Certificate;
  readonly key: CaKey;
}

/** One CertID as it goes into a SingleResponse: the hash algorithm OID and the hashes computed with it. */
export interface OcspCertId {
  readonly hashOid: string;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  /** Hex serial number (any case, leading zero bytes allowed). */
  readonly serial: string;
}

export interface OcspResponseInput {
  readonly signer: OcspSigner;
  readonly certId: OcspCertId;
  readonly status: OcspCertStatus;
  readonly producedAt: Date;
  readonly nextUpdate: Date;
}

/** A copy in its own ArrayBuffer (a Node Buffer's `.buffer` is the shared pool, and Buffer#slice is a view). */
function buffer(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

/** GeneralizedTime without fractional seconds (RFC 5280 §4.1.2.5.2 style, which OpenSSL expects). */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** The INTEGER contents for a hex serial: minimal, positive (a leading 00 when the high bit is set). */
export function serialBytes(serial: string): Uint8Array {
  const hex = serial.toLowerCase().replace(/^(00)+/, '') || '00';
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return (bytes[0] ?? 0) & 0x80 ? new Uint8Array([0, ...bytes]) : new Uint8Array(bytes);
}

/** SHA-1 over the responder's subjectPublicKey BIT STRING contents: the byKey ResponderID (RFC 6960 §4.2.2.3). */
export function responderKeyHash(certificate: X509Certificate): Uint8Array {
  return responderParts(certificate).keyHash;
}

/** What every response repeats about the responder, worked out once per certificate. */
const PARTS = new WeakMap<X509Certificate, { keyHash: Uint8Array; certificate: asn.Certificate }>();

function responderParts(certificate: X509Certificate): { keyHash: Uint8Array; certificate: asn.Certificate } {
  let parts = PARTS.get(certificate);
  if (!parts) {
    const info = AsnConvert.parse(certificate.publicKey.rawData, asn.SubjectPublicKeyInfo);
    const keyHash = new Uint8Array(createHash('sha1').update(new Uint8Array(info.subjectPublicKey)).digest());
    parts = { keyHash, certificate: AsnConvert.parse(certificate.rawData, asn.Certificate) };
    PARTS.set(certificate, parts);
  }
  return parts;
}

function certStatus(status: OcspCertStatus): ocsp.CertStatus {
  if (status.status === 'good') return new ocsp.CertStatus({ good: null });
  if (status.status === 'unknown') return new ocsp.CertStatus({ unknown: null });
  const code = REASON_CODES[status.reason];
  const revoked = new ocsp.RevokedInfo({ revocationTime: wholeSeconds(status.revokedAt) });
  if (code !== 0) revoked.revocationReason = new asn.CRLReason(code);
  return new ocsp.CertStatus({ revoked });
}

function certId(id: OcspCertId): ocsp.CertID {
  return new ocsp.CertID({
    hashAlgorithm: new asn.AlgorithmIdentifier({ algorithm: id.hashOid, parameters: null }),
    issuerNameHash: new OctetString(buffer(id.issuerNameHash)),
    issuerKeyHash: new OctetString(buffer(id.issuerKeyHash)),
    serialNumber: buffer(serialBytes(id.serial)),
  });
}

function responseData(input: OcspResponseInput): ocsp.ResponseData {
  const single = new ocsp.SingleResponse({
    certID: certId(input.certId),
    certStatus: certStatus(input.status),
    thisUpdate: wholeSeconds(input.producedAt),
    nextUpdate: wholeSeconds(input.nextUpdate),
  });
  return new ocsp.ResponseData({
    responderID: new ocsp.ResponderID({ byKey: new ocsp.KeyHash(buffer(responderKeyHash(input.signer.certificate))) }),
    producedAt: wholeSeconds(input.producedAt),
    responses: [single],
  });
}

function wrap(basic: ocsp.BasicOCSPResponse): Uint8Array {
  const responseBytes = new ocsp.ResponseBytes({ responseType: ocsp.id_pkix_ocsp_basic, response: new OctetString(AsnConvert.serialize(basic)) });
  return new Uint8Array(AsnConvert.serialize(new ocsp.OCSPResponse({ responseStatus: 0, responseBytes })));
}

/**
 * A successful OCSPResponse with one SingleResponse (thisUpdate = producedAt), signed by the delegated responder,
 * its certificate in `certs`, ResponderID by key hash, no extensions (so no nonce).
 */
export async function signOcspResponse(input: OcspResponseInput): Promise<Uint8Array> {
  const tbsResponseData = responseData(input);
  const signature = await input.signer.key.sign(new Uint8Array(AsnConvert.serialize(tbsResponseData)));
  const certs = [responderParts(input.signer.certificate).certificate];
  return wrap(new ocsp.BasicOCSPResponse({ tbsResponseData, signatureAlgorithm: signatureAlgorithm(input.signer.key), signature: buffer(signature), certs }));
}

/** An unsigned OCSPResponse that carries only an error status. */
export function ocspErrorResponse(status: OcspErrorStatus): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(new ocsp.OCSPResponse({ responseStatus: ERROR_STATUS[status] })));
}

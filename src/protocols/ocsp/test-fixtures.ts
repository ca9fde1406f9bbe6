// Shared by the OCSP unit tests: a delegated responder for a CA, DER requests for a serial, and reading answers back.
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import type { Clock } from '../../core/clock.ts';
import type { CertificateAuthority } from '../../pki/ca.ts';
import { createIssuer } from '../../pki/issue.ts';
import { generateCaKey } from '../../pki/keys.ts';
import type { OcspSigner } from '../../pki/ocsp-signing.ts';
import { Pkcs10CertificateRequestGenerator } from '../../pki/x509.ts';
import { OCSP_REQUEST_MEDIA_TYPE } from './media-types.ts';

export const SHA1 = '1.3.14.3.2.26';
export const SHA256 = '2.16.840.1.101.3.4.2.1';
const urls = { caIssuers: 'http://pki.example.gov/issuing.p7c', ocsp: 'http://ocsp.example.gov', crl: 'http://pki.example.gov/issuing.crl' };

/** A delegated OCSP responder certificate (ocsp-responder profile) issued by `ca`, with its key. */
export async function responderFor(ca: CertificateAuthority, clock: Clock): Promise<OcspSigner> {
  const key = await generateCaKey('ecdsa-p256');
  const csr = await Pkcs10CertificateRequestGenerator.create({ name: 'CN=OCSP', keys: { privateKey: key.privateKey, publicKey: key.publicKey }, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
  const issued = await createIssuer({ ca, clock, urls }).issue('ocsp-responder', { csr: csr.toString('pem'), subject: 'CN=Demo OCSP Responder,O=U.S. Government,C=US' });
  return { certificate: issued.certificate, key };
}

/** A DER OCSPRequest (one CertID, no nonce) for a hex serial of `ca`. */
export function requestFor(ca: CertificateAuthority, serial: string, hash: 'sha1' | 'sha256' = 'sha1'): Uint8Array {
  const tbs = AsnConvert.parse(ca.certificate.rawData, asn.Certificate).tbsCertificate;
  const digest = (data: ArrayBuffer) => new OctetString(new Uint8Array(createHash(hash).update(new Uint8Array(data)).digest()).buffer);
  const reqCert = new ocsp.CertID({
    hashAlgorithm: new asn.AlgorithmIdentifier({ algorithm: hash === 'sha1' ? SHA1 : SHA256, parameters: null }),
    issuerNameHash: digest(AsnConvert.serialize(tbs.subject)),
    issuerKeyHash: digest(tbs.subjectPublicKeyInfo.subjectPublicKey),
    serialNumber: new Uint8Array(Buffer.from(serial, 'hex')).buffer,
  });
  const request = new ocsp.OCSPRequest({ tbsRequest: new ocsp.TBSRequest({ requestList: [new ocsp.Request({ reqCert })] }) });
  return new Uint8Array(AsnConvert.serialize(request));
}

/** The response status and, for a successful answer, its BasicOCSPResponse, SingleResponse and certStatus. */
export function read(der: Uint8Array) {
  const response = AsnConvert.parse(der, ocsp.OCSPResponse);
  if (!response.responseBytes) return { status: response.responseStatus };
  const basic = AsnConvert.parse(response.responseBytes.response.buffer, ocsp.BasicOCSPResponse);
  const single = basic.tbsResponseData.responses[0] as ocsp.SingleResponse;
  const certStatus = single.certStatus.good === null ? 'good' : single.certStatus.revoked ? 'revoked' : 'unknown';
  return { status: response.responseStatus, basic, single, certStatus };
}

/** Starts an OCSP POST with these headers, sends only `sent` body bytes, and resolves with the status as soon as it comes. */
export function partialPostStatus(url: string, headers: Record<string, string>, sent: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { 'content-type': OCSP_REQUEST_MEDIA_TYPE, ...headers } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
      request.destroy();
    });
    request.on('error', reject);
    request.write(Buffer.alloc(sent, 0x30));
  });
}

import { createHash, createPublicKey, verify } from 'node:crypto';
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { type EvidenceCheck, attempt, fail, pass } from './checks.ts';
import type { X509Certificate } from './x509.ts';

/** Signature algorithms an OCSP responder signs with: OID → hash (the key says ECDSA or RSA PKCS#1 v1.5). */
const SIGNATURE_HASHES: Readonly<Record<string, string>> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
const CERT_ID_HASHES: Readonly<Record<string, string>> = { '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256' };

/** The one SingleResponse of a successful, basic OCSP response, with the BasicOCSPResponse around it. */
function readResponse(der: Uint8Array): { basic: ocsp.BasicOCSPResponse; single: ocsp.SingleResponse } {
  const response = AsnConvert.parse(der, ocsp.OCSPResponse);
  if (response.responseStatus !== ocsp.OCSPResponseStatus.successful || !response.responseBytes)
    throw new Error(`the OCSP response status is ${ocsp.OCSPResponseStatus[response.responseStatus]}, not successful`);
  const basic = AsnConvert.parse(response.responseBytes.response.buffer, ocsp.BasicOCSPResponse);
  const single = basic.tbsResponseData.responses[0];
  if (!single || basic.tbsResponseData.responses.length !== 1) throw new Error('the OCSP response does not answer for exactly one certificate');
  return { basic, single };
}

function signedByResponder(basic: ocsp.BasicOCSPResponse, responder: X509Certificate): boolean {
  const hash = SIGNATURE_HASHES[basic.signatureAlgorithm.algorithm];
  if (!hash) throw new Error(`the OCSP response is signed with ${basic.signatureAlgorithm.algorithm}, which this verifier does not know`);
  const key = createPublicKey({ key: Buffer.from(responder.publicKey.rawData), format: 'der', type: 'spki' });
  const tbs = basic.tbsResponseDataRaw ?? AsnConvert.serialize(basic.tbsResponseData);
  return verify(hash, new Uint8Array(tbs), { key, dsaEncoding: 'der' }, new Uint8Array(basic.signature));
}

/** The CertID names the issuing CA (its name and key hashes) and the serial. */
function namesCertificate(certId: ocsp.CertID, issuing: X509Certificate, serial: string): string | undefined {
  const hash = CERT_ID_HASHES[certId.hashAlgorithm.algorithm];
  if (!hash) return `its CertID hash algorithm ${certId.hashAlgorithm.algorithm} is not SHA-1 or SHA-256`;
  const tbs = AsnConvert.parse(issuing.rawData, asn.Certificate).tbsCertificate;
  const nameHash = createHash(hash)
    .update(new Uint8Array(AsnConvert.serialize(tbs.subject)))
    .digest('hex');
  const keyHash = createHash(hash).update(new Uint8Array(tbs.subjectPublicKeyInfo.subjectPublicKey)).digest('hex');
  if (Buffer.from(certId.issuerNameHash.buffer).toString('hex') !== nameHash || Buffer.from(certId.issuerKeyHash.buffer).toString('hex') !== keyHash) return 'its CertID names another issuer';
  const answered = Buffer.from(certId.serialNumber)
    .toString('hex')
    .replace(/^(00)+/, '');
  if (answered !== serial.toLowerCase().replace(/^(00)+/, '')) return `it answers for serial ${answered}`;
  return undefined;
}

/** The OCSP response is signed by the bundle's responder, names this serial of the issuing CA, and says revoked. */
export function checkOcsp(serial: string, responseB64: string, issuing: X509Certificate, responder: X509Certificate): Promise<EvidenceCheck> {
  const name = `OCSP ${serial}`;
  return attempt(name, () => {
    const { basic, single } = readResponse(Buffer.from(responseB64, 'base64'));
    if (!signedByResponder(basic, responder)) return fail(name, `the signature does not verify with the OCSP responder ${responder.subject}`);
    const wrong = namesCertificate(single.certID, issuing, serial);
    if (wrong) return fail(name, wrong);
    const revoked = single.certStatus.revoked;
    if (!revoked) return fail(name, `the responder says ${single.certStatus.good === null ? 'good' : 'unknown'}, not revoked`);
    const reason = revoked.revocationReason === undefined ? 'no reason given' : asn.CRLReasons[revoked.revocationReason.reason];
    return pass(name, `signed by ${responder.subject}: revoked at ${revoked.revocationTime.toISOString()} (${reason}), produced at ${basic.tbsResponseData.producedAt.toISOString()}`);
  });
}

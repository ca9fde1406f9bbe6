import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import type { X509Certificate } from '../../pki/x509.ts';

/** CertID hash algorithms the responder answers for (RFC 6960 uses SHA-1; RFC 5019 clients too; SHA-256 is common). */
export const CERT_ID_HASHES: Readonly<Record<string, 'sha1' | 'sha256'>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
};

/** The issuerNameHash and issuerKeyHash of one CA under one hash algorithm, as hex. */
export interface IssuerHashes {
  readonly hashOid: string;
  readonly nameHash: string;
  readonly keyHash: string;
}

/** The CA's subject Name DER and subjectPublicKey BIT STRING contents hashed with each supported algorithm. */
export function issuerHashes(certificate: X509Certificate): readonly IssuerHashes[] {
  const tbs = AsnConvert.parse(certificate.rawData, asn.Certificate).tbsCertificate;
  const name = new Uint8Array(AsnConvert.serialize(tbs.subject));
  const key = new Uint8Array(tbs.subjectPublicKeyInfo.subjectPublicKey);
  return Object.entries(CERT_ID_HASHES).map(([hashOid, algorithm]) => ({
    hashOid,
    nameHash: createHash(algorithm).update(name).digest('hex'),
    keyHash: createHash(algorithm).update(key).digest('hex'),
  }));
}

import { createHash } from 'node:crypto';
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import type { Clock } from '../../core/clock.ts';
import { reasonOf } from '../../credentials/revocation.ts';
import type { CaMaterial } from '../../pki/store/ca-store.ts';
import { OcspResponder } from '../../protocols/ocsp/index.ts';

const SHA1 = '1.3.14.3.2.26';

/** What the store says of a certificate now. */
export interface StoredStatus {
  readonly serial: string;
  readonly status: string;
  readonly reason: string | null;
  readonly revokedAt: Date | null;
}

/**
 * Signed OCSP answers from muster's own responder (the issuing CA's delegated responder and its key): each serial
 * gets the status the store holds, asked with a SHA-1 CertID as OpenSSL and most clients ask.
 */
export class EvidenceOcsp {
  readonly #responder: OcspResponder;
  readonly #ca: CaMaterial;

  constructor(ca: CaMaterial, clock: Clock, validityMinutes: number) {
    this.#ca = ca;
    this.#responder = new OcspResponder({ issuer: ca.issuing, responder: ca.responder, clock, validityMinutes });
  }

  async answer(certificate: StoredStatus): Promise<Uint8Array> {
    const { serial, status, reason, revokedAt } = certificate;
    const revoked = status === 'revoked' && revokedAt !== null;
    await this.#responder.setStatus(serial, revoked ? { status: 'revoked', revokedAt, reason: reasonOf(reason) } : { status: 'good' });
    return this.#responder.respond(this.#request(serial));
  }

  #request(serial: string): Uint8Array {
    const tbs = AsnConvert.parse(this.#ca.issuing.certificate.rawData, asn.Certificate).tbsCertificate;
    const digest = (data: ArrayBuffer) => new OctetString(new Uint8Array(createHash('sha1').update(new Uint8Array(data)).digest()).buffer);
    const reqCert = new ocsp.CertID({
      hashAlgorithm: new asn.AlgorithmIdentifier({ algorithm: SHA1, parameters: null }),
      issuerNameHash: digest(AsnConvert.serialize(tbs.subject)),
      issuerKeyHash: digest(tbs.subjectPublicKeyInfo.subjectPublicKey),
      serialNumber: new Uint8Array(Buffer.from(serial.length % 2 ? `0${serial}` : serial, 'hex')).buffer,
    });
    return new Uint8Array(AsnConvert.serialize(new ocsp.OCSPRequest({ tbsRequest: new ocsp.TBSRequest({ requestList: [new ocsp.Request({ reqCert })] }) })));
  }
}

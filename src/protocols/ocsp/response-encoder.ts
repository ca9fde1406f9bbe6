import { AsnConvert } from '@peculiar/asn1-schema';
import { REASON_CODES } from '../../pki/crl.ts';
import { signatureAlgorithm } from '../../pki/der.ts';
import { responderKeyHash, serialBytes, type OcspCertStatus, type OcspSigner } from '../../pki/ocsp-signing.ts';
import { generalizedTime, objectIdentifier, tlv } from './der-writer.ts';
import type { IssuerHashes } from './issuer-id.ts';

const GOOD = new Uint8Array([0x80, 0x00]);
const UNKNOWN = new Uint8Array([0x82, 0x00]);
const SUCCESSFUL = new Uint8Array([0x0a, 0x01, 0x00]);
const ID_PKIX_OCSP_BASIC = objectIdentifier('1.3.6.1.5.5.7.48.1.1');

/** What one answer says; times in epoch milliseconds (thisUpdate = producedAt). */
export interface AnswerInput {
  readonly issuer: IssuerHashes;
  readonly serial: string;
  readonly status: OcspCertStatus;
  readonly producedAt: number;
  readonly nextUpdate: number;
}

/** CertStatus (RFC 6960 §4.2.1): good [0] NULL, revoked [1] RevokedInfo, unknown [2] NULL. */
function certStatus(status: OcspCertStatus): Uint8Array {
  if (status.status === 'good') return GOOD;
  if (status.status === 'unknown') return UNKNOWN;
  const code = REASON_CODES[status.reason];
  const reason = code === 0 ? [] : [tlv(0xa0, tlv(0x0a, new Uint8Array([code])))];
  return tlv(0xa1, generalizedTime(status.revokedAt.getTime()), ...reason);
}

/** CertID without its serial: hashAlgorithm (NULL parameters), issuerNameHash, issuerKeyHash. */
function certIdHead(issuer: IssuerHashes): Uint8Array[] {
  const algorithm = tlv(0x30, objectIdentifier(issuer.hashOid), new Uint8Array([0x05, 0x00]));
  return [algorithm, tlv(0x04, Buffer.from(issuer.nameHash, 'hex')), tlv(0x04, Buffer.from(issuer.keyHash, 'hex'))];
}

/**
 * Signs OCSP answers the way signOcspResponse does (one SingleResponse, ResponderID by key, the responder certificate
 * in `certs`, no extensions), assembling the DER from parts encoded once per responder: pre-signing every status of a
 * large CA then costs little more than the signatures themselves.
 */
export class ResponseEncoder {
  readonly #signer: OcspSigner;
  readonly #responderId: Uint8Array;
  readonly #signatureAlgorithm: Uint8Array;
  readonly #certs: Uint8Array;
  readonly #certIdHeads = new Map<IssuerHashes, Uint8Array[]>();

  constructor(signer: OcspSigner) {
    this.#signer = signer;
    this.#responderId = tlv(0xa2, tlv(0x04, responderKeyHash(signer.certificate)));
    this.#signatureAlgorithm = new Uint8Array(AsnConvert.serialize(signatureAlgorithm(signer.key)));
    this.#certs = tlv(0xa0, tlv(0x30, new Uint8Array(signer.certificate.rawData)));
  }

  /** The DER ResponseData to be signed. */
  tbs(input: AnswerInput): Uint8Array {
    let head = this.#certIdHeads.get(input.issuer);
    if (!head) this.#certIdHeads.set(input.issuer, (head = certIdHead(input.issuer)));
    const certId = tlv(0x30, ...head, tlv(0x02, serialBytes(input.serial)));
    const single = tlv(0x30, certId, certStatus(input.status), generalizedTime(input.producedAt), tlv(0xa0, generalizedTime(input.nextUpdate)));
    return tlv(0x30, this.#responderId, generalizedTime(input.producedAt), tlv(0x30, single));
  }

  /** The signed, successful DER OCSPResponse. */
  async sign(input: AnswerInput): Promise<Uint8Array> {
    const tbs = this.tbs(input);
    const signature = await this.#signer.key.sign(tbs);
    const basic = tlv(0x30, tbs, this.#signatureAlgorithm, tlv(0x03, new Uint8Array([0]), signature), this.#certs);
    return tlv(0x30, SUCCESSFUL, tlv(0xa0, tlv(0x30, ID_PKIX_OCSP_BASIC, tlv(0x04, basic))));
  }
}

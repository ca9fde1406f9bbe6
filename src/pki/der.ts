import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { X509Certificate, X509Crl, parseCrl, type Extension } from './x509.ts';
import { encodeName, type NameInput } from './names.ts';
import type { CaKey } from './keys.ts';
import { OID } from './oids.ts';

/** 20 random bytes, positive and minimally encoded (high bit clear, second-highest set). */
export function randomSerial(): Uint8Array {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes;
}

export function toHex(bytes: Uint8Array | ArrayBuffer): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');
}

/** The AlgorithmIdentifier for a key's signature: RSA carries NULL parameters, ECDSA none (RFC 5758). */
export function signatureAlgorithm(key: CaKey): asn.AlgorithmIdentifier {
  const rsa = key.signatureOid === OID.sha256WithRsa;
  return new asn.AlgorithmIdentifier({ algorithm: key.signatureOid, ...(rsa ? { parameters: null } : {}) });
}

export function toAsnExtensions(extensions: readonly Extension[]): asn.Extension[] {
  return extensions.map((e) => AsnConvert.parse(e.rawData, asn.Extension));
}

export interface TbsInput {
  readonly serial: Uint8Array;
  /** The issuing CA's subject as encoded (so that it matches byte for byte), or a string for a self-signed root. */
  readonly issuer: NameInput;
  readonly subject: NameInput;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Uint8Array;
  readonly extensions: readonly Extension[];
}

function buffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/** Builds the TBSCertificate, has the CA key sign it, and returns the parsed certificate. */
export async function signCertificate(input: TbsInput, key: CaKey): Promise<X509Certificate> {
  const algorithm = signatureAlgorithm(key);
  const tbsCertificate = new asn.TBSCertificate({
    version: asn.Version.v3,
    serialNumber: buffer(input.serial),
    signature: algorithm,
    issuer: encodeName(input.issuer),
    validity: new asn.Validity({ notBefore: input.notBefore, notAfter: input.notAfter }),
    subject: encodeName(input.subject),
    subjectPublicKeyInfo: AsnConvert.parse(input.spki, asn.SubjectPublicKeyInfo),
    extensions: new asn.Extensions(toAsnExtensions(input.extensions)),
  });
  const signature = await key.sign(new Uint8Array(AsnConvert.serialize(tbsCertificate)));
  const certificate = new asn.Certificate({ tbsCertificate, signatureAlgorithm: algorithm, signatureValue: buffer(signature) });
  return new X509Certificate(AsnConvert.serialize(certificate));
}

/** Signs a TBSCertList with the CA key and returns the parsed CRL. */
export async function signCertList(tbsCertList: asn.TBSCertList, key: CaKey): Promise<X509Crl> {
  const signature = await key.sign(new Uint8Array(AsnConvert.serialize(tbsCertList)));
  const list = new asn.CertificateList({ tbsCertList, signatureAlgorithm: tbsCertList.signature, signature: buffer(signature) });
  return parseCrl(AsnConvert.serialize(list));
}

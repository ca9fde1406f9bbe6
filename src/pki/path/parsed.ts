import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, CertificateList, type Extension, type TBSCertificate, type TBSCertList } from '@peculiar/asn1-x509';
import { CRL_PARSE_OPTIONS, type X509Certificate, type X509Crl } from '../x509.ts';

/** A certificate with its ASN.1 structure and extensions indexed by OID. */
export interface ParsedCert {
  readonly cert: X509Certificate;
  readonly tbs: TBSCertificate;
  readonly exts: ReadonlyMap<string, Extension>;
  readonly sigAlg: string;
}

export interface ParsedCrl {
  readonly crl: X509Crl;
  readonly tbs: TBSCertList;
  readonly exts: ReadonlyMap<string, Extension>;
}

function indexExtensions(list: readonly Extension[] | undefined): Map<string, Extension> {
  return new Map((list ?? []).map((e) => [e.extnID, e]));
}

export function parseCert(cert: X509Certificate): ParsedCert {
  const asn = AsnConvert.parse(cert.rawData, Certificate);
  return { cert, tbs: asn.tbsCertificate, exts: indexExtensions(asn.tbsCertificate.extensions), sigAlg: asn.signatureAlgorithm.algorithm };
}

export function parseCrl(crl: X509Crl): ParsedCrl {
  const asn = AsnConvert.parse(crl.rawData, CertificateList, CRL_PARSE_OPTIONS);
  return { crl, tbs: asn.tbsCertList, exts: indexExtensions(asn.tbsCertList.crlExtensions) };
}

/** Decodes the value of an extension with an asn1-x509 schema class. */
export function decodeExtension<T>(ext: Extension | undefined, type: new () => T): T | undefined {
  return ext === undefined ? undefined : AsnConvert.parse(ext.extnValue.buffer, type);
}

export function getExtension<T>(parsed: ParsedCert, oid: string, type: new () => T): T | undefined {
  return decodeExtension(parsed.exts.get(oid), type);
}

export function hex(buffer: ArrayBuffer): string {
  return Buffer.from(buffer).toString('hex');
}

/** A small non-negative ASN.1 INTEGER (SkipCerts) as a number. */
export function skipCerts(value: ArrayBuffer): number {
  return [...new Uint8Array(value)].reduce((acc, byte) => acc * 256 + byte, 0);
}

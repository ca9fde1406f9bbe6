import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { Name, type X509Certificate } from './x509.ts';

/**
 * Distinguished names. muster writes them as RFC 4514 strings, most specific first (`CN=…,OU=…,O=U.S. Government,C=US`);
 * RFC 4514 lists the RDNs in the reverse of their DER order, so the encoded RDNSequence starts with C, as the FPKI
 * profiles and byte-wise comparing relying parties expect. (@peculiar/x509's `Name` keeps the string's order, so the
 * RDNs are reversed here, in the one place names are built.) Values are PrintableString, else UTF8String.
 */

/** An RFC 4514 string, or an encoded Name (e.g. a CA certificate's subject) used byte for byte. */
export type NameInput = string | asn.Name;

/** The DER Name of an RFC 4514 string: its last RDN (C) first. */
export function encodeName(dn: NameInput): asn.Name {
  if (typeof dn !== 'string') return dn;
  const parsed = AsnConvert.parse(new Name(dn).toArrayBuffer(), asn.Name);
  return new asn.Name([...parsed].reverse());
}

/** The RFC 4514 string of a DER Name: its last RDN (CN) first. */
export function dnString(name: asn.Name): string {
  return [...name]
    .reverse()
    .map((rdn) => new Name(new asn.Name([rdn])).toString())
    .join(',');
}

/** A certificate's subject as encoded, to copy byte for byte into what it signs (the issuer of its certificates and CRLs). */
export function subjectName(certificate: X509Certificate): asn.Name {
  return AsnConvert.parse(certificate.rawData, asn.Certificate).tbsCertificate.subject;
}

/** A certificate's subject as an RFC 4514 string. */
export function subjectDn(certificate: X509Certificate): string {
  return dnString(subjectName(certificate));
}

/** An RFC 4514 string with its leading common name replaced (or one put in front), e.g. a host name under the CA's O and C. */
export function withCommonName(dn: string, commonName: string): string {
  const escaped = commonName.replace(/[\\,+"<>;=]/g, '\\$&');
  return /^CN=/i.test(dn) ? dn.replace(/^CN=(?:\\.|[^,\\])+/i, () => `CN=${escaped}`) : `CN=${escaped},${dn}`;
}

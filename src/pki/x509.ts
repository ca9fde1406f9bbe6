// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill
// loaded first. Every pki file imports the library through this module so the order is guaranteed.
import 'reflect-metadata';

export * from '@peculiar/x509';

import { type AsnEncodedType, X509Crl as PeculiarCrl } from '@peculiar/x509';

/**
 * How CRLs are parsed. A CRL takes about eight ASN.1 nodes per revoked certificate, and asn1js stops at 10,000 nodes
 * by default: past about 1,200 entries (one mass termination) a CRL could be neither published nor read. The limits
 * here admit a CRL of about a million entries; what muster fetches from elsewhere is capped in bytes before this.
 */
export const CRL_PARSE_OPTIONS = { berOptions: { maxNodes: 10_000_000, maxContentLength: 64 * 1024 * 1024 } } as const;

/** A CRL from DER, PEM or base64, parsed under CRL_PARSE_OPTIONS. */
export function parseCrl(raw: AsnEncodedType): PeculiarCrl {
  return new PeculiarCrl(raw, CRL_PARSE_OPTIONS);
}

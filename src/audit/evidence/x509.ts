// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill
// loaded first: the evidence verifier imports the library through this module.
import 'reflect-metadata';

import { type AsnEncodedType, X509Crl } from '@peculiar/x509';

export { X509Certificate, X509Crl } from '@peculiar/x509';

/** A CRL parsed with room for about a million entries (asn1js stops at 10,000 ASN.1 nodes, about 1,200 entries, by default). */
export function parseCrl(raw: AsnEncodedType): X509Crl {
  return new X509Crl(raw, { berOptions: { maxNodes: 10_000_000, maxContentLength: 64 * 1024 * 1024 } });
}

import { createHash, X509Certificate } from 'node:crypto';

/** A certificate as the RP saw it over mutual TLS: DER bytes, PEM text or a parsed certificate. */
export type CertificateInput = Uint8Array | string | X509Certificate;

/** The RFC 8705 `x5t#S256` thumbprint: base64url of the SHA-256 of the DER certificate. */
export function certificateThumbprint(certificate: CertificateInput): string {
  return createHash('sha256').update(derOf(certificate)).digest('base64url');
}

function derOf(certificate: CertificateInput): Uint8Array {
  if (certificate instanceof X509Certificate) return certificate.raw;
  if (typeof certificate === 'string') return new X509Certificate(certificate).raw;
  return certificate;
}

import { MusterError } from '../../core/errors.ts';
import type { CertificateAuthority } from '../../pki/ca.ts';
import { toHex } from '../../pki/der.ts';
import type { OcspSigner } from '../../pki/ocsp-signing.ts';
import { OID } from '../../pki/oids.ts';
import { ExtendedKeyUsageExtension } from '../../pki/x509.ts';

/** The longest nextUpdate window accepted (STANDARDS.md §12.5: OCSP data at least as fresh as the 48 h CRL). */
export const MAX_VALIDITY_MINUTES = 48 * 60;

function refuse(message: string, field: string): MusterError {
  return new MusterError('MUSTER_ERR_OCSP_RESPONDER', message, [{ field, message }]);
}

/**
 * Refuses a responder that clients would reject: not issued by the CA it answers for, without the OCSPSigning EKU,
 * a key that is not the certificate's, a validity window outside (0, 48 h], or a request cache bound under 1.
 */
export function checkResponder(options: { issuer: CertificateAuthority; responder: OcspSigner; validityMinutes: number; requestCacheEntries?: number }): void {
  const { issuer, responder, validityMinutes, requestCacheEntries } = options;
  if (!(validityMinutes > 0 && validityMinutes <= MAX_VALIDITY_MINUTES)) throw refuse(`validityMinutes must be > 0 and <= ${MAX_VALIDITY_MINUTES}`, 'validityMinutes');
  if (requestCacheEntries !== undefined && !(Number.isInteger(requestCacheEntries) && requestCacheEntries >= 1))
    throw refuse('requestCacheEntries must be a whole number of at least 1', 'requestCacheEntries');
  if (responder.certificate.issuer !== issuer.certificate.subject) throw refuse('the responder certificate is not issued by the CA it answers for', 'responder.certificate');
  const eku = responder.certificate.getExtension(ExtendedKeyUsageExtension);
  if (!eku?.usages.map(String).includes(OID.ekuOcspSigning)) throw refuse('the responder certificate lacks the OCSPSigning extended key usage', 'responder.certificate');
  if (toHex(responder.certificate.publicKey.rawData) !== toHex(responder.key.spki)) throw refuse('the responder key does not match the responder certificate', 'responder.key');
}

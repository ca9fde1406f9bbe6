import type { Clock } from '../../core/clock.ts';
import type { CertificateAuthority } from '../ca.ts';
import { createIssuer } from '../issue.ts';
import type { CaKey } from '../keys.ts';
import type { OcspSigner } from '../ocsp-signing.ts';
import type { X509Certificate } from '../x509.ts';

const DAY_MS = 86_400_000;
/** A responder certificate is renewed when fewer days than this remain (it lives at most 120). */
export const RESPONDER_RENEW_DAYS = 30;

/** The responder's subject: the issuing CA's name with " OCSP Responder" added to its common name. */
export function responderName(issuingName: string): string {
  return /^CN=/i.test(issuingName) ? issuingName.replace(/^CN=((?:\\.|[^,\\])+)/i, 'CN=$1 OCSP Responder') : `CN=OCSP Responder,${issuingName}`;
}

/** Whether the responder certificate ends within RESPONDER_RENEW_DAYS or was not issued by the issuing CA. */
export function responderNeedsRenewal(certificate: X509Certificate, issuing: CertificateAuthority, now: Date): boolean {
  if (certificate.issuer !== issuing.certificate.subject) return true;
  return certificate.notAfter.getTime() - now.getTime() < RESPONDER_RENEW_DAYS * DAY_MS;
}

/** A delegated OCSP responder certificate (ocsp-responder profile, 120 days) for `key`, issued by the issuing CA. */
export async function issueResponder(issuing: CertificateAuthority, key: CaKey, clock: Clock): Promise<OcspSigner> {
  const issuer = createIssuer({ ca: issuing, clock, urls: { caIssuers: '', ocsp: '', crl: '' } });
  const issued = await issuer.issue('ocsp-responder', { spki: key.spki, subject: responderName(issuing.name) });
  return { certificate: issued.certificate, key };
}

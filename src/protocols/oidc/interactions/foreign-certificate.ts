import type { Clock } from '../../../core/clock.ts';
import type { AgreementDocument } from '../../../core/federation/agreement.ts';
import { PIV_CARD } from '../../../credentials/types.ts';
import type { X509Certificate } from '../../../pki/x509.ts';
import type { Queryable } from '../../../store/store.ts';
import { type CertificateMatch, credentialsWhere, requireActive, subjectOf, thumbprintOf } from './certificate-match.ts';
import { buildPath, validateAuthenticationPath } from './certificate-path.ts';
import type { CrlCache } from './crl-cache.ts';
import { fascnOf } from './fascn-read.ts';
import { SignInRefused } from './refusal.ts';

/** What accepting another agency's PIV certificate needs. */
export interface ForeignTrust {
  /** Trust anchors for other agencies' PIV certificates (e.g. the Federal Common Policy CA or an agency's CA). */
  readonly anchors: readonly X509Certificate[];
  /** Other agencies' intermediate CAs, to build a path with beside those the browser sent: never anchors themselves. */
  readonly intermediates?: readonly X509Certificate[];
  readonly crls: CrlCache;
  readonly clock: Clock;
}

/**
 * Another agency's PIV Authentication certificate. Accepted only when the relying party's trust agreement covers the
 * agency code of the card's FASC-N, the certificate chains to a configured anchor under the authentication policies
 * with every CRL of the path fetched and current (fail closed), and the card is in the MUR as an active `piv_card`
 * credential (details.fascn: the FASC-N as hex) of an active person: status is read from the MUR, not inferred from
 * the certificate.
 */
export async function matchForeignCertificate(
  db: Queryable,
  trust: ForeignTrust,
  certificate: X509Certificate,
  offered: readonly X509Certificate[],
  agreement: AgreementDocument | undefined,
): Promise<CertificateMatch> {
  const subject = subjectOf(certificate);
  const fascn = fascnOf(certificate);
  if (!fascn) throw new SignInRefused('unknown-certificate', 'this certificate was not issued by muster and carries no PIV FASC-N', subject);
  if (!agreement?.population.agencyCodes.includes(fascn.agencyCode)) {
    throw new SignInRefused('foreign-agency-not-covered', `no trust agreement of this relying party covers agency ${fascn.agencyCode}`, subject);
  }
  const built = await buildPath(certificate, [...offered, ...(trust.intermediates ?? [])], trust.anchors);
  if (!built) throw new SignInRefused('path-invalid', 'the certificate does not chain to a trusted PIV certification authority', subject);
  const result = await validateAuthenticationPath(built.anchor, built.path, await trust.crls.forPath(built.path), trust.clock.now());
  if (!result.valid) {
    const revoked = /revoked/.test(result.reason ?? '');
    throw new SignInRefused(
      revoked ? 'certificate-revoked' : 'path-invalid',
      revoked ? 'this certificate has been revoked' : `the certificate does not validate: ${result.reason ?? 'invalid path'}`,
      subject,
    );
  }
  const [row] = await credentialsWhere(db, `k.type = $1 AND k.details->>'fascn' = $2`, [PIV_CARD, fascn.hex]);
  if (!row) throw new SignInRefused('unknown-certificate', 'this PIV card is not known to muster', subject);
  requireActive(row, certificate);
  return {
    identityId: row.identity_id,
    credentialId: row.credential_id,
    credentialType: 'piv_card',
    aal: 'aal3',
    serial: subject.serial as string,
    issuer: certificate.issuer,
    thumbprint: thumbprintOf(certificate),
  };
}

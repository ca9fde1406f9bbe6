import type { Clock } from '../../../core/clock.ts';
import { DERIVED_PKI, PIV_CARD } from '../../../credentials/types.ts';
import type { CertificateAuthority } from '../../../pki/ca.ts';
import type { RevocationStatus } from '../../../pki/path/validate.ts';
import type { X509Certificate } from '../../../pki/x509.ts';
import type { Queryable } from '../../../store/store.ts';
import { type CertificateSubject, certificateSubject } from '../sign-in-subject.ts';
import { pathVerdict } from './certificate-cache.ts';
import { type CertificateMatch, requireActive, subjectOf, thumbprintOf } from './certificate-match.ts';
import { validateAuthenticationPath } from './certificate-path.ts';
import { SignInRefused } from './refusal.ts';

/** Which of muster's certificates sign a person in: profile, credential type, and what the credential is called in assertions. */
const SIGN_IN_PROFILES: Record<string, { credentialType: string; as: CertificateMatch['credentialType'] }> = {
  'piv-auth': { credentialType: PIV_CARD, as: 'piv_card' },
  'derived-piv-auth': { credentialType: DERIVED_PKI, as: 'derived_pki' },
};

/**
 * The path validator's revocation check for the one certificate of an own path (the issuing CA is the anchor): its
 * status as muster recorded it, read with the credential and identity in the same query, so that a revocation or hold
 * counts the moment it is recorded. Any other certificate has no status here, and fails closed.
 */
function recordedStatus(certificate: X509Certificate, row: CertificateSubject): RevocationStatus {
  return async (asked) => {
    if (!asked.equal(certificate)) return 'no revocation status for a certificate muster did not record';
    return row.certificate_status === 'good' ? undefined : 'certificate is revoked';
  };
}

function refuseStatus(row: CertificateSubject, certificate: X509Certificate): void {
  if (row.certificate_status === 'good') return;
  const subject = { ...subjectOf(certificate), identityId: row.identity_id, credentialId: row.credential_id };
  if (row.reason === 'certificateHold') throw new SignInRefused('certificate-on-hold', 'this certificate is on hold (the credential is suspended)', subject);
  throw new SignInRefused('certificate-revoked', 'this certificate has been revoked', subject);
}

function aalOf(profile: CertificateMatch['credentialType'], row: CertificateSubject): CertificateMatch['aal'] {
  return profile === 'piv_card' || row.details.hardware_backed === true ? 'aal3' : 'aal2';
}

/**
 * A certificate muster issued: a PIV Authentication certificate of a PIV card or a PKI-based Derived PIV
 * Authentication certificate, exactly as recorded, chaining to muster's issuing CA under the authentication policies,
 * neither revoked nor on hold, on an active credential of an active person. One query reads the certificate's record,
 * status, credential and identity.
 */
export async function matchOwnCertificate(db: Queryable, issuing: CertificateAuthority, clock: Clock, certificate: X509Certificate): Promise<CertificateMatch> {
  const subject = subjectOf(certificate);
  const row = await certificateSubject(db, subject.serial as string, issuing.name);
  if (!row || !Buffer.from(row.der).equals(Buffer.from(certificate.rawData))) throw new SignInRefused('unknown-certificate', 'this certificate is not one muster issued', subject);
  const use = SIGN_IN_PROFILES[row.profile];
  if (!use || use.credentialType !== row.credential_type)
    throw new SignInRefused('not-authentication-certificate', 'this is not a PIV Authentication or Derived PIV Authentication certificate', subject);
  refuseStatus(row, certificate);
  const time = clock.now();
  // the status was read live just above: a path found valid once is valid again while its certificates are
  const path = await pathVerdict(issuing.certificate, [certificate], time, () =>
    validateAuthenticationPath(issuing.certificate, [certificate], { revocationStatus: recordedStatus(certificate, row) }, time),
  );
  if (!path.valid) throw new SignInRefused('path-invalid', `the certificate does not validate: ${path.reason ?? 'invalid path'}`, { ...subject, identityId: row.identity_id });
  requireActive(row, certificate);
  return {
    identityId: row.identity_id,
    credentialId: row.credential_id,
    credentialType: use.as,
    aal: aalOf(use.as, row),
    serial: subject.serial as string,
    issuer: issuing.name,
    thumbprint: thumbprintOf(certificate),
    rpRevoked: row.rp_revoked,
  };
}

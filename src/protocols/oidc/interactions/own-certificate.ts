import type { Clock } from '../../../core/clock.ts';
import { DERIVED_PKI, PIV_CARD } from '../../../credentials/types.ts';
import type { CertificateAuthority } from '../../../pki/ca.ts';
import { createCrl, type RevocationReason } from '../../../pki/crl.ts';
import type { X509Certificate } from '../../../pki/x509.ts';
import type { Queryable } from '../../../store/store.ts';
import { type CertificateMatch, type CredentialOfCertificate, credentialsWhere, requireActive, subjectOf, thumbprintOf } from './certificate-match.ts';
import { validateAuthenticationPath } from './certificate-path.ts';
import { SignInRefused } from './refusal.ts';

type CertificateRow = CredentialOfCertificate & { profile: string; status: string; reason: string | null; revoked_at: Date | null; der: Uint8Array };

/** Which of muster's certificates sign a person in: profile, credential type, and what the credential is called in assertions. */
const SIGN_IN_PROFILES: Record<string, { credentialType: string; as: CertificateMatch['credentialType'] }> = {
  'piv-auth': { credentialType: PIV_CARD, as: 'piv_card' },
  'derived-piv-auth': { credentialType: DERIVED_PKI, as: 'derived_pki' },
};

async function certificateRow(db: Queryable, serial: string, issuer: string): Promise<CertificateRow | undefined> {
  const [row] = await credentialsWhere(db, `k.id = (SELECT credential_id FROM certificates WHERE serial = $1 AND issuer = $2)`, [serial, issuer]);
  if (!row) return undefined;
  const [cert] = await db.query<{ profile: string; status: string; reason: string | null; revoked_at: Date | null; der: Uint8Array }>(
    'SELECT profile, status, reason, revoked_at, der FROM certificates WHERE serial = $1 AND issuer = $2',
    [serial, issuer],
  );
  return cert ? { ...row, ...cert } : undefined;
}

/**
 * The certificate's status as the path validator reads it: a CRL signed now by the issuing CA from muster's own
 * certificate status (the source the published CRL and OCSP answers are made from), so that a revocation or hold
 * counts the moment it is recorded.
 */
function statusCrl(issuing: CertificateAuthority, now: Date, serial: string, row: CertificateRow) {
  const revoked = row.status === 'revoked' ? [{ serial, revokedAt: new Date(row.revoked_at ?? now), reason: (row.reason ?? 'unspecified') as RevocationReason }] : [];
  // issued at the validation time itself: a CRL dated a second later than `now` would not be current yet
  return createCrl({ ca: issuing, clock: { now: () => now }, crlNumber: 1, nextUpdateHours: 1, revoked });
}

/**
 * Certificates whose path validated, by issuing CA and thumbprint: a path's outcome changes only with time (the
 * certificates' validity) and with revocation, which is read from muster's own status at every sign-in (refuseStatus)
 * before this is asked. An entry serves until the earlier of the leaf's and the CA's notAfter.
 */
const validPaths = new WeakMap<CertificateAuthority, Map<string, Date>>();
const VALID_PATHS_LIMIT = 50_000;

/** Undefined when the path is valid, otherwise why not (the RFC 5280 section or profile rule). */
async function pathFailure(issuing: CertificateAuthority, clock: Clock, certificate: X509Certificate, row: CertificateRow): Promise<string | undefined> {
  const now = clock.now();
  const known = validPaths.get(issuing) ?? new Map<string, Date>();
  validPaths.set(issuing, known);
  const thumbprint = thumbprintOf(certificate);
  const until = known.get(thumbprint);
  if (until && now < until && now >= certificate.notBefore) return undefined;
  const path = await validateAuthenticationPath(issuing.certificate, [certificate], [await statusCrl(issuing, now, certificate.serialNumber.toLowerCase(), row)], now);
  if (!path.valid) return path.reason ?? 'invalid path';
  if (known.size >= VALID_PATHS_LIMIT) known.clear();
  known.set(thumbprint, new Date(Math.min(certificate.notAfter.getTime(), issuing.certificate.notAfter.getTime())));
  return undefined;
}

function refuseStatus(row: CertificateRow, certificate: X509Certificate): void {
  if (row.status === 'good') return;
  const subject = { ...subjectOf(certificate), identityId: row.identity_id, credentialId: row.credential_id };
  if (row.reason === 'certificateHold') throw new SignInRefused('certificate-on-hold', 'this certificate is on hold (the credential is suspended)', subject);
  throw new SignInRefused('certificate-revoked', 'this certificate has been revoked', subject);
}

function aalOf(profile: CertificateMatch['credentialType'], row: CertificateRow): CertificateMatch['aal'] {
  return profile === 'piv_card' || row.details.hardware_backed === true ? 'aal3' : 'aal2';
}

/**
 * A certificate muster issued: a PIV Authentication certificate of a PIV card or a PKI-based Derived PIV
 * Authentication certificate, exactly as recorded, chaining to muster's issuing CA under the authentication policies,
 * neither revoked nor on hold, on an active credential of an active person.
 */
export async function matchOwnCertificate(db: Queryable, issuing: CertificateAuthority, clock: Clock, certificate: X509Certificate): Promise<CertificateMatch> {
  const subject = subjectOf(certificate);
  const row = await certificateRow(db, subject.serial as string, issuing.name);
  if (!row || !Buffer.from(row.der).equals(Buffer.from(certificate.rawData))) throw new SignInRefused('unknown-certificate', 'this certificate is not one muster issued', subject);
  const use = SIGN_IN_PROFILES[row.profile];
  if (!use || use.credentialType !== row.credential_type)
    throw new SignInRefused('not-authentication-certificate', 'this is not a PIV Authentication or Derived PIV Authentication certificate', subject);
  refuseStatus(row, certificate);
  const failure = await pathFailure(issuing, clock, certificate, row);
  if (failure) throw new SignInRefused('path-invalid', `the certificate does not validate: ${failure}`, { ...subject, identityId: row.identity_id });
  requireActive(row, certificate);
  return {
    identityId: row.identity_id,
    credentialId: row.credential_id,
    credentialType: use.as,
    aal: aalOf(use.as, row),
    serial: subject.serial as string,
    issuer: issuing.name,
    thumbprint: thumbprintOf(certificate),
  };
}

import type { CredentialView } from '../core/credential/view.ts';
import { MusterError } from '../core/errors.ts';
import { PemConverter } from '../pki/x509.ts';
import type { Queryable } from '../store/store.ts';
import { credentialCertificates, findCertificate, identityCertificates, type CertificateRow as CertRow } from './certificate-repository.ts';
import { findCredential, identityCredentials, type CredentialRow } from './credential-repository.ts';

export interface CertificateView {
  readonly serial: string;
  readonly issuer: string;
  readonly profile: string;
  readonly status: string;
  readonly reason: string | null;
  readonly revokedAt: string | null;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly identityId: string;
  readonly credentialId: string;
  readonly pem: string;
}

/** A credential as the identity view shows it, with its owner and its certificates. */
export interface CredentialDetail extends Omit<CredentialView, 'updatedAt'> {
  readonly identityId: string;
  readonly certificates: readonly CertificateView[];
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function certificateView(r: CertRow): CertificateView {
  return {
    serial: r.serial,
    issuer: r.issuer,
    profile: r.profile,
    status: r.status,
    reason: r.reason,
    revokedAt: iso(r.revoked_at),
    notBefore: iso(r.not_before) as string,
    notAfter: iso(r.not_after) as string,
    identityId: r.identity_id,
    credentialId: r.credential_id,
    pem: `${PemConverter.encode(new Uint8Array(r.der).slice().buffer, 'CERTIFICATE')}\n`,
  };
}

/** The credential with its certificates; a copy of a binding's PIV certificate is left out of the details. */
function credentialDetail(c: CredentialRow, certificates: readonly CertRow[]): CredentialDetail {
  const { piv_certificate: _copy, ...details } = c.details;
  return {
    id: c.id,
    identityId: c.identity_id,
    type: c.type,
    status: c.status,
    reference: c.reference,
    details,
    issuedAt: iso(c.issued_at),
    expiresAt: iso(c.expires_at),
    certificates: certificates.filter((r) => r.credential_id === c.id).map(certificateView),
  };
}

export async function getCredential(db: Queryable, id: string): Promise<CredentialDetail> {
  const row = await findCredential(db, id);
  if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no credential ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
  return credentialDetail(row, await credentialCertificates(db, id));
}

export async function listCredentials(db: Queryable, identityId: string): Promise<CredentialDetail[]> {
  const rows = await identityCredentials(db, identityId);
  const certs = await identityCertificates(db, identityId);
  return rows.map((r) => credentialDetail(r, certs));
}

export async function getCertificate(db: Queryable, serial: string): Promise<CertificateView> {
  const row = await findCertificate(db, serial.toLowerCase().replace(/^(00)+(?=.)/, ''));
  if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no certificate with serial ${serial}`, [{ field: 'serial', value: serial, message: 'not found' }]);
  return certificateView(row);
}

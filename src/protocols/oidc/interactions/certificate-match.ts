import { createHash } from 'node:crypto';
import type { Aal, CredentialType } from '../../../core/federation/profile.ts';
import type { X509Certificate } from '../../../pki/x509.ts';
import type { Queryable } from '../../../store/store.ts';
import { SignInRefused, type RefusalSubject } from './refusal.ts';

/** The MUR's side of a certificate sign-in: the credential and identity behind the certificate, checked live. */
export interface CertificateMatch {
  readonly identityId: string;
  readonly credentialId: string;
  readonly credentialType: Extract<CredentialType, 'piv_card' | 'derived_pki'>;
  readonly aal: Aal;
  readonly serial: string;
  readonly issuer: string;
  /** base64url SHA-256 of the DER (`x5t#S256`). */
  readonly thumbprint: string;
  /** Whether a campaign revoked the identity's access to any relying party, when the match read it (muster's own certificates). */
  readonly rpRevoked?: boolean;
}

/** The credential row (and its identity) a certificate was matched to. */
export interface CredentialOfCertificate {
  readonly identity_id: string;
  readonly identity_status: string;
  readonly identity_kind: string;
  readonly credential_id: string;
  readonly credential_type: string;
  readonly credential_status: string;
  readonly details: Record<string, unknown>;
}

export const thumbprintOf = (certificate: X509Certificate): string => createHash('sha256').update(new Uint8Array(certificate.rawData)).digest('base64url');

export function subjectOf(certificate: X509Certificate): RefusalSubject {
  return { serial: certificate.serialNumber.toLowerCase(), issuer: certificate.issuer };
}

/** The credential must be active and its holder an active person in the MUR, read now (not from certificate status). */
export function requireActive(row: CredentialOfCertificate, certificate: X509Certificate): void {
  const subject = { ...subjectOf(certificate), identityId: row.identity_id, credentialId: row.credential_id };
  if (row.credential_status !== 'active') throw new SignInRefused('credential-inactive', `this credential is ${row.credential_status}, not active`, subject);
  if (row.identity_status !== 'active' || row.identity_kind !== 'person') throw new SignInRefused('identity-inactive', 'the account this credential belongs to is not active', subject);
}

/** Reads identities and credentials joined, for the match queries. */
export const CREDENTIAL_JOIN = `k.id::text AS credential_id, k.type AS credential_type, k.status AS credential_status, k.details,
  i.id::text AS identity_id, i.status AS identity_status, i.kind AS identity_kind
  FROM credentials k JOIN identities i ON i.id = k.identity_id`;

export async function credentialsWhere(db: Queryable, where: string, params: readonly unknown[]): Promise<CredentialOfCertificate[]> {
  return db.query<CredentialOfCertificate & Record<string, unknown>>(`SELECT ${CREDENTIAL_JOIN} WHERE ${where}`, [...params]);
}

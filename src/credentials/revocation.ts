import type { RevocationReason, RevokedEntry } from '../pki/crl.ts';
import type { OcspCertStatus } from '../pki/ocsp-signing.ts';
import type { Queryable } from '../store/store.ts';
import { issuerCertificates, issuerCertificatesChangedSince, type CertificateChangeRow } from './certificate-repository.ts';

const REASONS: ReadonlySet<string> = new Set<RevocationReason>([
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
]);

/** A known certificate's status: good, or revoked with when and why (certificateHold while suspended). */
export type KnownStatus = Exclude<OcspCertStatus, { status: 'unknown' }>;

export interface StatusChange {
  readonly serial: string;
  readonly status: KnownStatus;
  readonly changeSeq: number;
}

export interface RevocationSnapshot {
  /** The revoked certificates of the issuer, oldest revocation first: `createCrl({ revoked })`. */
  readonly revoked: readonly RevokedEntry[];
  /** Serial (lowercase hex) → status of every certificate of the issuer: `OcspResponder.setStatus`. */
  readonly statuses: ReadonlyMap<string, KnownStatus>;
  /** The newest change_seq among them (0 when there are none). */
  readonly throughChange: number;
}

function statusOf(row: CertificateChangeRow): KnownStatus {
  if (row.status !== 'revoked' || !row.revoked_at) return { status: 'good' };
  return { status: 'revoked', revokedAt: new Date(row.revoked_at), reason: reasonOf(row.reason) };
}

/**
 * What a CRL and an OCSP responder for one issuing CA (its distinguished name, as `certificates.issuer` holds it)
 * must say now. Expired certificates are included; dropping them is the publisher's choice.
 */
export async function revocationSnapshot(db: Queryable, issuer: string): Promise<RevocationSnapshot> {
  const rows = await issuerCertificates(db, issuer);
  const revoked: RevokedEntry[] = [];
  const statuses = new Map<string, KnownStatus>();
  let throughChange = 0;
  for (const row of rows) {
    const status = statusOf(row);
    statuses.set(row.serial, status);
    throughChange = Math.max(throughChange, Number(row.change_seq));
    if (status.status === 'revoked') revoked.push({ serial: row.serial, revokedAt: status.revokedAt, reason: status.reason });
  }
  return { revoked, statuses, throughChange };
}

/** Certificates of the issuer whose status changed (or that were issued) after change_seq `after`, oldest first. */
export async function statusChangesSince(db: Queryable, issuer: string, after: number): Promise<StatusChange[]> {
  const rows = await issuerCertificatesChangedSince(db, issuer, after);
  return rows.map((row) => ({ serial: row.serial, status: statusOf(row), changeSeq: Number(row.change_seq) }));
}

/** A stored revocation reason as RFC 5280 names it; anything muster does not know is `unspecified`. */
export function reasonOf(reason: string | null): RevocationReason {
  return reason !== null && REASONS.has(reason) ? (reason as RevocationReason) : 'unspecified';
}

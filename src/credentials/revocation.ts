import type { RevocationReason, RevokedEntry } from '../pki/crl.ts';
import type { CertificateStatus } from '../protocols/ocsp/responder.ts';
import type { Queryable } from '../store/store.ts';

const REASONS: ReadonlySet<string> = new Set<RevocationReason>([
  'unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold',
]);

export interface RevocationSnapshot {
  /** The revoked certificates of the issuer, oldest revocation first: `createCrl({ revoked })`. */
  readonly revoked: readonly RevokedEntry[];
  /** Serial (lowercase hex) → status of every certificate of the issuer: `OcspResponder.setStatus`. */
  readonly statuses: ReadonlyMap<string, CertificateStatus>;
}

type CertificateRow = {
  readonly serial: string;
  readonly status: string;
  readonly revoked_at: Date | null;
  readonly reason: string | null;
};

/**
 * What a CRL and an OCSP responder for one issuing CA (its distinguished name, as `certificates.issuer` holds it)
 * must say now. Expired certificates are included; dropping them is the publisher's choice.
 */
export async function revocationSnapshot(db: Queryable, issuer: string): Promise<RevocationSnapshot> {
  const rows = await db.query<CertificateRow>(
    `SELECT serial, status, revoked_at, reason FROM certificates WHERE issuer = $1 ORDER BY revoked_at NULLS LAST, serial`,
    [issuer],
  );
  const revoked: RevokedEntry[] = [];
  const statuses = new Map<string, CertificateStatus>();
  for (const row of rows) {
    if (row.status !== 'revoked' || !row.revoked_at) {
      statuses.set(row.serial, { status: 'good' });
      continue;
    }
    const entry: RevokedEntry = { serial: row.serial, revokedAt: new Date(row.revoked_at), reason: reasonOf(row.reason) };
    revoked.push(entry);
    statuses.set(row.serial, { status: 'revoked', revokedAt: entry.revokedAt, reason: entry.reason });
  }
  return { revoked, statuses };
}

function reasonOf(reason: string | null): RevocationReason {
  return reason !== null && REASONS.has(reason) ? (reason as RevocationReason) : 'unspecified';
}

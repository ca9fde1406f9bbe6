import type { RevocationReason } from '../pki/crl.ts';
import type { Tx } from '../store/store.ts';

/** A row of `credentials`. */
export type CredentialRow = {
  readonly id: string;
  readonly identity_id: string;
  readonly type: string;
  readonly status: string;
  readonly reference: string | null;
  readonly details: Record<string, unknown>;
  readonly issued_at: Date | null;
  readonly expires_at: Date | null;
};

export const CREDENTIAL_COLUMNS = 'id::text AS id, identity_id::text AS identity_id, type, status, reference, details, issued_at, expires_at';

/** Locks and reads one credential, or null. */
export async function lockCredential(tx: Tx, id: string): Promise<CredentialRow | null> {
  const [row] = await tx.query<CredentialRow>(`SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE id = $1 FOR UPDATE`, [id]);
  return row ?? null;
}

/** Locks and reads an identity's credentials (all, or only those in `statuses`), oldest first. */
export async function lockIdentityCredentials(tx: Tx, identityId: string, statuses?: readonly string[]): Promise<CredentialRow[]> {
  const filter = statuses ? ' AND status = ANY($2::text[])' : '';
  return tx.query<CredentialRow>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE identity_id = $1${filter} ORDER BY issued_at, id FOR UPDATE`,
    statuses ? [identityId, statuses] : [identityId],
  );
}

export async function setCredentialStatus(tx: Tx, ids: readonly string[], status: string, now: Date, details: Record<string, unknown> = {}): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(`UPDATE credentials SET status = $2, updated_at = $3, details = details || $4::jsonb WHERE id = ANY($1::uuid[])`, [ids, status, now, JSON.stringify(details)]);
}

export type CertificateChange = {
  readonly serial: string;
  readonly credential_id: string;
  readonly profile: string;
};

const RETURNING = 'RETURNING serial, credential_id::text AS credential_id, profile';

/** good → revoked (certificateHold): a suspended credential's certificates. */
export async function holdCertificates(tx: Tx, credentialIds: readonly string[], now: Date): Promise<CertificateChange[]> {
  return tx.query<CertificateChange>(
    `UPDATE certificates SET status = 'revoked', revoked_at = $2, reason = 'certificateHold' WHERE credential_id = ANY($1::uuid[]) AND status = 'good' ${RETURNING}`,
    [credentialIds, now],
  );
}

/** certificateHold → good (removeFromCRL): a reinstated credential's certificates. */
export async function releaseCertificates(tx: Tx, credentialIds: readonly string[], now: Date): Promise<CertificateChange[]> {
  return tx.query<CertificateChange>(
    `UPDATE certificates SET status = 'good', revoked_at = NULL, reason = NULL WHERE credential_id = ANY($1::uuid[]) AND status = 'revoked' AND reason = 'certificateHold' AND not_after > $2 ${RETURNING}`,
    [credentialIds, now],
  );
}

/** good or on hold → revoked for good, with `reason`. */
export async function revokeCertificates(tx: Tx, credentialIds: readonly string[], reason: RevocationReason, now: Date, serials?: readonly string[]): Promise<CertificateChange[]> {
  const only = serials ? ' AND serial = ANY($4::text[])' : '';
  return tx.query<CertificateChange>(
    `UPDATE certificates SET status = 'revoked', revoked_at = $2, reason = $3
     WHERE credential_id = ANY($1::uuid[]) AND (status = 'good' OR reason = 'certificateHold')${only} ${RETURNING}`,
    serials ? [credentialIds, now, reason, serials] : [credentialIds, now, reason],
  );
}

/** Enables or disables the WebAuthn authenticators of credentials; returns their ids. */
export async function setAuthenticatorStatus(tx: Tx, credentialIds: readonly string[], status: 'active' | 'suspended'): Promise<string[]> {
  const rows = await tx.query<{ credential_id: string }>(`UPDATE webauthn_credentials SET status = $2 WHERE credential = ANY($1::uuid[]) RETURNING credential_id`, [credentialIds, status]);
  return rows.map((r) => r.credential_id);
}

/** Removes the WebAuthn authenticators of credentials for good; returns their ids. */
export async function removeAuthenticators(tx: Tx, credentialIds: readonly string[]): Promise<string[]> {
  const rows = await tx.query<{ credential_id: string }>('DELETE FROM webauthn_credentials WHERE credential = ANY($1::uuid[]) RETURNING credential_id', [credentialIds]);
  return rows.map((r) => r.credential_id);
}

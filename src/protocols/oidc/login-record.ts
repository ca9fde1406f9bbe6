import type { Aal, CredentialType } from '../../core/federation/profile.ts';
import type { Queryable } from '../../store/store.ts';

/**
 * One IdP sign-in, kept beside the OP session it created: which credential, how, at which AAL, and (PIV card and
 * PKI-based derived) the SHA-256 thumbprint of the certificate, for holder-of-key assertions at FAL3. The login
 * prompt reads it for the reauthentication limits; the claims read it for the assertion.
 */
export interface LoginRecord {
  readonly sessionUid: string;
  readonly identityId: string;
  readonly credentialId: string;
  readonly credentialType: CredentialType;
  readonly aal: Aal;
  readonly amr: readonly string[];
  /** base64url SHA-256 of the certificate's DER (`x5t#S256`). */
  readonly certThumbprint: string | null;
  readonly authTime: Date;
  readonly lastActiveAt: Date;
  readonly endedAt: Date | null;
}

interface LoginRow extends Record<string, unknown> {
  session_uid: string;
  identity_id: string;
  credential_id: string;
  credential_type: CredentialType;
  aal: Aal;
  amr: string[];
  cert_thumbprint: string | null;
  auth_time: Date;
  last_active_at: Date;
  ended_at: Date | null;
}

const fromRow = (r: LoginRow): LoginRecord => ({
  sessionUid: r.session_uid,
  identityId: r.identity_id,
  credentialId: r.credential_id,
  credentialType: r.credential_type,
  aal: r.aal,
  amr: r.amr,
  certThumbprint: r.cert_thumbprint,
  authTime: new Date(r.auth_time),
  lastActiveAt: new Date(r.last_active_at),
  endedAt: r.ended_at ? new Date(r.ended_at) : null,
});

/** Records a sign-in for an OP session, replacing an earlier one of the same session (reauthentication). */
export async function saveLogin(db: Queryable, record: Omit<LoginRecord, 'lastActiveAt' | 'endedAt'>): Promise<void> {
  await db.query(
    `INSERT INTO oidc_logins (session_uid, identity_id, credential_id, credential_type, aal, amr, cert_thumbprint, auth_time, last_active_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
     ON CONFLICT (session_uid) DO UPDATE SET identity_id = $2, credential_id = $3, credential_type = $4, aal = $5, amr = $6,
       cert_thumbprint = $7, auth_time = $8, last_active_at = $8, ended_at = NULL`,
    [record.sessionUid, record.identityId, record.credentialId, record.credentialType, record.aal, JSON.stringify(record.amr), record.certThumbprint, record.authTime],
  );
}

export async function loginOfSession(db: Queryable, sessionUid: string): Promise<LoginRecord | undefined> {
  const [row] = await db.query<LoginRow>('SELECT * FROM oidc_logins WHERE session_uid = $1', [sessionUid]);
  return row ? fromRow(row) : undefined;
}

/** The session was used (an authorization request answered from it): moves the idle clock. */
export async function touchLogin(db: Queryable, sessionUid: string, at: Date): Promise<void> {
  await db.query('UPDATE oidc_logins SET last_active_at = $2 WHERE session_uid = $1 AND ended_at IS NULL', [sessionUid, at]);
}

/** Ends every sign-in of an identity (termination, suspension); returns the sessions ended. */
export async function endLoginsOfIdentity(db: Queryable, identityId: string, at: Date): Promise<string[]> {
  const rows = await db.query<{ session_uid: string }>('UPDATE oidc_logins SET ended_at = $2 WHERE identity_id = $1 AND ended_at IS NULL RETURNING session_uid', [identityId, at]);
  return rows.map((r) => r.session_uid);
}

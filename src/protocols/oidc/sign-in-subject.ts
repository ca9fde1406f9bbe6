import { type RawBuilder, sql } from 'kysely';
import type { Aal, CredentialType } from '../../core/federation/profile.ts';
import type { Queryable } from '../../store/store.ts';
import type { LoginRecord } from './login-record.ts';
import { takeAlso } from './request-reads.ts';

/** What a token's look-up keeps of its session's live subject (request-reads.ts), by session uid. */
export const SUBJECT_READ = 'session-subject';
/** What it keeps of the pairwise inputs, by identity and client. */
export const PAIRWISE_READ = 'pairwise-inputs';

/**
 * The live MUR checks of a sign-in, each one query: the identity and the credential behind a certificate (with the
 * certificate's own status), and the identity, the credential and the login record behind an OP session.
 */

/** The identity and credential behind a sign-in, as they stand now. */
export interface LiveSubject {
  readonly identity_id: string;
  readonly identity_status: string;
  readonly identity_kind: string;
  readonly credential_id: string;
  readonly credential_type: string;
  readonly credential_status: string;
  readonly details: Record<string, unknown>;
}

/** A certificate muster issued, its status, and the live subject of its credential. */
export interface CertificateSubject extends LiveSubject {
  readonly profile: string;
  readonly certificate_status: string;
  readonly reason: string | null;
  readonly revoked_at: Date | null;
  readonly der: Uint8Array;
  /** Whether a certification campaign revoked the identity's access to any relying party (and it is not lifted). */
  readonly rp_revoked: boolean;
}

/** The certificate `serial` of `issuer` with its credential and identity (and whether any access of it to a relying party is revoked), read in one query. */
export async function certificateSubject({ db }: Queryable, serial: string, issuer: string): Promise<CertificateSubject | undefined> {
  const row = await db
    .selectFrom('certificates as c')
    .innerJoin('credentials as k', 'k.id', 'c.credential_id')
    .innerJoin('identities as i', 'i.id', 'k.identity_id')
    .select([
      'c.profile',
      'c.status as certificate_status',
      'c.reason',
      'c.revoked_at',
      'c.der',
      sql<string>`k.id::text`.as('credential_id'),
      'k.type as credential_type',
      'k.status as credential_status',
      'k.details',
      sql<string>`i.id::text`.as('identity_id'),
      'i.status as identity_status',
      'i.kind as identity_kind',
      sql<boolean>`exists (select 1 from access_revocations v where v.identity_id = i.id and v.lifted_at is null and starts_with(v.target, 'agreement:'))`.as('rp_revoked'),
    ])
    .where('c.serial', '=', serial)
    .where('c.issuer', '=', issuer)
    .executeTakeFirst();
  return row ? { ...row, details: (row.details ?? {}) as Record<string, unknown> } : undefined;
}

/** An OP session's login record with its identity (status, attributes) and the status of its credential, as they stand now. */
export interface SessionSubject {
  readonly login: LoginRecord;
  readonly identity: { readonly id: string; readonly status: string; readonly kind: string; readonly attributes: Readonly<Record<string, string>>; readonly lastUpdated: Date };
  /** Undefined when the credential is gone. */
  readonly credentialStatus: string | undefined;
}

interface SessionRow {
  session_uid: string;
  identity_id: string;
  credential_id: string;
  credential_type: string;
  aal: string;
  amr: unknown;
  cert_thumbprint: string | null;
  auth_time: Date | string;
  last_active_at: Date | string;
  ended_at: Date | string | null;
  identity_status: string;
  identity_kind: string;
  attributes: unknown;
  last_updated: Date | string;
  credential_status: string | null;
}

function subjectOf(row: SessionRow): SessionSubject {
  const attributes = Object.fromEntries(Object.entries((row.attributes ?? {}) as Record<string, { v: string }>).map(([name, a]) => [name, a.v]));
  return {
    login: {
      sessionUid: row.session_uid,
      identityId: row.identity_id,
      credentialId: row.credential_id,
      credentialType: row.credential_type as CredentialType,
      aal: row.aal as Aal,
      amr: (row.amr ?? []) as string[],
      certThumbprint: row.cert_thumbprint,
      authTime: new Date(row.auth_time),
      lastActiveAt: new Date(row.last_active_at),
      endedAt: row.ended_at ? new Date(row.ended_at) : null,
    },
    identity: { id: row.identity_id, status: row.identity_status, kind: row.identity_kind, attributes, lastUpdated: new Date(row.last_updated) },
    credentialStatus: row.credential_status ?? undefined,
  };
}

const SUBJECT_COLUMNS = sql`l.session_uid, l.identity_id::text AS identity_id, l.credential_id, l.credential_type, l.aal, l.amr, l.cert_thumbprint, l.auth_time,
  l.last_active_at, l.ended_at, i.status AS identity_status, i.kind AS identity_kind, i.attributes, i.last_updated, k.status AS credential_status`;
const SUBJECT_JOINS = sql`JOIN identities i ON i.id = l.identity_id LEFT JOIN credentials k ON k.id::text = l.credential_id`;

/** What an RP's pairwise subject is made from: the subject it keeps (an earlier sector rule), else the identity's secret. */
export interface PairwiseInputs {
  readonly kept: string | null;
  readonly secret: Buffer | null;
}

interface SubjectJson extends SessionRow {
  kept_sub: string | null;
  subject_secret: string | null;
}

/**
 * The live subject of the session whose uid is the SQL expression `sessionUid`, as one JSON column, with the inputs of
 * the pairwise subject at the RP `clientId` (an SQL expression too): for a statement that reads a token to read what
 * its request checks next, at the same moment. NULL when no login is recorded for the session.
 */
export function sessionSubjectColumn(sessionUid: RawBuilder<unknown>, clientId: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(SELECT row_to_json(s) FROM (SELECT ${SUBJECT_COLUMNS},
      (SELECT r.sub FROM federation_rp_subjects r WHERE r.identity_id = l.identity_id AND r.client_id = ${clientId} AND r.host_sector) AS kept_sub,
      encode((SELECT t.secret FROM federation_subject_secrets t WHERE t.identity_id = l.identity_id), 'base64') AS subject_secret
    FROM oidc_logins l ${SUBJECT_JOINS} WHERE l.session_uid = ${sessionUid}) s)`;
}

/** The subject and pairwise inputs of a `sessionSubjectColumn` value. */
export function subjectOfColumn(value: unknown): { subject: SessionSubject; pairwise: PairwiseInputs } {
  const row = (typeof value === 'string' ? JSON.parse(value) : value) as SubjectJson;
  return { subject: subjectOf(row), pairwise: { kept: row.kept_sub, secret: row.subject_secret === null ? null : Buffer.from(row.subject_secret, 'base64') } };
}

/** The session's login record, identity and credential, in one query (unless the request read it with its token). */
export async function sessionSubject({ db }: Queryable, sessionUid: string): Promise<SessionSubject | undefined> {
  const read = takeAlso<SessionSubject>(SUBJECT_READ, sessionUid);
  if (read) return read;
  const { rows } = await sql<SessionRow>`SELECT ${SUBJECT_COLUMNS} FROM oidc_logins l ${SUBJECT_JOINS} WHERE l.session_uid = ${sessionUid}`.execute(db);
  return rows[0] ? subjectOf(rows[0]) : undefined;
}

/**
 * Records a sign-in for an OP session (replacing an earlier one of the same session: reauthentication) and reads it
 * back with its identity and credential, in one statement.
 */
export async function recordLoginAndRead({ db }: Queryable, record: Omit<LoginRecord, 'lastActiveAt' | 'endedAt'>): Promise<SessionSubject | undefined> {
  const { rows } = await sql<SessionRow>`WITH l AS (
      INSERT INTO oidc_logins (session_uid, identity_id, credential_id, credential_type, aal, amr, cert_thumbprint, auth_time, last_active_at)
      VALUES (${record.sessionUid}, ${record.identityId}, ${record.credentialId}, ${record.credentialType}, ${record.aal}, ${JSON.stringify(record.amr)}::jsonb,
        ${record.certThumbprint}, ${record.authTime}, ${record.authTime})
      ON CONFLICT (session_uid) DO UPDATE SET identity_id = EXCLUDED.identity_id, credential_id = EXCLUDED.credential_id, credential_type = EXCLUDED.credential_type,
        aal = EXCLUDED.aal, amr = EXCLUDED.amr, cert_thumbprint = EXCLUDED.cert_thumbprint, auth_time = EXCLUDED.auth_time, last_active_at = EXCLUDED.auth_time, ended_at = NULL
      RETURNING *)
    SELECT ${SUBJECT_COLUMNS} FROM l ${SUBJECT_JOINS}`.execute(db);
  return rows[0] ? subjectOf(rows[0]) : undefined;
}

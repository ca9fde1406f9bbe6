import { sql, type Kysely } from 'kysely';
import type { RevocationReason } from '../pki/crl.ts';
import type { Database } from '../store/database.ts';
import type { Queryable, Tx } from '../store/store.ts';

/**
 * The `credentials` rows, and the certificates and WebAuthn authenticators that follow a credential's
 * status. Every query is built with Kysely; uuids come back as text, timestamptz as Date, details parsed.
 */

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

/** The credentials, read as a `CredentialRow`. */
export function selectCredentials(db: Kysely<Database>) {
  return db
    .selectFrom('credentials')
    .select([
      sql<string>`id::text`.as('id'),
      sql<string>`identity_id::text`.as('identity_id'),
      'type',
      'status',
      'reference',
      sql<Record<string, unknown>>`details`.as('details'),
      'issued_at',
      'expires_at',
    ]);
}

/** Reads one credential, or null. */
export async function findCredential({ db }: Queryable, id: string): Promise<CredentialRow | null> {
  return (await selectCredentials(db).where('id', '=', id).executeTakeFirst()) ?? null;
}

/** An identity's credentials, oldest first. */
export async function identityCredentials({ db }: Queryable, identityId: string): Promise<CredentialRow[]> {
  return selectCredentials(db).where('identity_id', '=', identityId).orderBy('issued_at').orderBy('id').execute();
}

/** Locks and reads one credential, or null. */
export async function lockCredential({ db }: Tx, id: string): Promise<CredentialRow | null> {
  return (await selectCredentials(db).where('id', '=', id).forUpdate().executeTakeFirst()) ?? null;
}

/** Locks and reads an identity's credentials (all, or only those in `statuses`), oldest first. */
export async function lockIdentityCredentials({ db }: Tx, identityId: string, statuses?: readonly string[]): Promise<CredentialRow[]> {
  let query = selectCredentials(db).where('identity_id', '=', identityId);
  if (statuses) query = query.where(sql<boolean>`status = ANY(${statuses}::text[])`);
  return query.orderBy('issued_at').orderBy('id').forUpdate().execute();
}

/** Of these identities, those holding a credential in one of `statuses` (one query for a batch of leavers). */
export async function identitiesWithCredentials({ db }: Queryable, identityIds: readonly string[], statuses: readonly string[]): Promise<Set<string>> {
  if (identityIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('credentials')
    .select('identity_id')
    .distinct()
    .where(sql<boolean>`identity_id = ANY(${identityIds}::uuid[])`)
    .where(sql<boolean>`status = ANY(${statuses}::text[])`)
    .execute();
  return new Set(rows.map((r) => r.identity_id));
}

/** Locks and reads the Derived PIV credentials bound with card `cardId` (only those in `statuses`), oldest first. */
export async function lockDerivedOfCard({ db }: Tx, cardId: string, types: readonly string[], statuses: readonly string[]): Promise<CredentialRow[]> {
  return selectCredentials(db)
    .where(sql<boolean>`details->>'card_credential_id' = ${cardId}`)
    .where(sql<boolean>`type = ANY(${types}::text[])`)
    .where(sql<boolean>`status = ANY(${statuses}::text[])`)
    .orderBy('issued_at')
    .orderBy('id')
    .forUpdate()
    .execute();
}

export async function setCredentialStatus({ db }: Tx, ids: readonly string[], status: string, now: Date, details: Record<string, unknown> = {}): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('credentials')
    .set({ status, updated_at: now, details: sql`details || ${JSON.stringify(details)}::jsonb` })
    .where(sql<boolean>`id = ANY(${ids}::uuid[])`)
    .execute();
}

export type CertificateChange = {
  readonly serial: string;
  readonly credential_id: string;
  readonly profile: string;
};

const CHANGED = ['serial', sql<string>`credential_id::text`.as('credential_id'), 'profile'] as const;

/** good → revoked (certificateHold): a suspended credential's certificates. */
export async function holdCertificates({ db }: Tx, credentialIds: readonly string[], now: Date): Promise<CertificateChange[]> {
  return db
    .updateTable('certificates')
    .set({ status: 'revoked', revoked_at: now, reason: 'certificateHold' })
    .where(sql<boolean>`credential_id = ANY(${credentialIds}::uuid[])`)
    .where('status', '=', 'good')
    .returning(CHANGED)
    .execute();
}

/** certificateHold → good (removeFromCRL): a reinstated credential's certificates. */
export async function releaseCertificates({ db }: Tx, credentialIds: readonly string[], now: Date): Promise<CertificateChange[]> {
  return db
    .updateTable('certificates')
    .set({ status: 'good', revoked_at: null, reason: null })
    .where(sql<boolean>`credential_id = ANY(${credentialIds}::uuid[])`)
    .where('status', '=', 'revoked')
    .where('reason', '=', 'certificateHold')
    .where('not_after', '>', now)
    .returning(CHANGED)
    .execute();
}

/** good or on hold → revoked for good, with `reason`, naming the domain event whose job revoked them. */
export async function revokeCertificates(
  { db }: Tx,
  credentialIds: readonly string[],
  reason: RevocationReason,
  now: Date,
  serials?: readonly string[],
  eventId: number | null = null,
): Promise<CertificateChange[]> {
  let query = db
    .updateTable('certificates')
    .set({ status: 'revoked', revoked_at: now, reason, revocation_event_id: eventId })
    .where(sql<boolean>`credential_id = ANY(${credentialIds}::uuid[])`)
    .where((eb) => eb.or([eb('status', '=', 'good'), eb('reason', '=', 'certificateHold')]));
  if (serials) query = query.where(sql<boolean>`serial = ANY(${serials}::text[])`);
  return query.returning(CHANGED).execute();
}

/** Enables or disables the WebAuthn authenticators of credentials; returns their ids. */
export async function setAuthenticatorStatus({ db }: Tx, credentialIds: readonly string[], status: 'active' | 'suspended'): Promise<string[]> {
  const rows = await db.updateTable('webauthn_credentials').set({ status }).where(sql<boolean>`credential = ANY(${credentialIds}::uuid[])`).returning('credential_id').execute();
  return rows.map((r) => r.credential_id);
}

/** Removes the WebAuthn authenticators of credentials for good; returns their ids. */
export async function removeAuthenticators({ db }: Tx, credentialIds: readonly string[]): Promise<string[]> {
  const rows = await db.deleteFrom('webauthn_credentials').where(sql<boolean>`credential = ANY(${credentialIds}::uuid[])`).returning('credential_id').execute();
  return rows.map((r) => r.credential_id);
}

/** A credential flagged for review: its id, type and when it was issued (bound). */
export type FlaggedCredential = { id: string; type: string; issued_at: Date };

/** Flags the identity's live credentials of `types` issued at or after `since` with `review`; returns them. */
export async function flagForReview({ db }: Tx, identityId: string, types: readonly string[], since: Date, review: Record<string, unknown>, now: Date): Promise<FlaggedCredential[]> {
  const rows = await db
    .updateTable('credentials')
    .set({ details: sql`details || jsonb_build_object('review', ${JSON.stringify(review)}::jsonb)`, updated_at: now })
    .where('identity_id', '=', identityId)
    .where(sql<boolean>`type = ANY(${types}::text[])`)
    .where('status', 'in', ['active', 'suspended'])
    .where('issued_at', '>=', since)
    .returning([sql<string>`id::text`.as('id'), 'type', 'issued_at'])
    .execute();
  return rows.map((r) => ({ id: r.id, type: r.type, issued_at: r.issued_at as Date }));
}

/** A credential to record; `updated_at` is its issue time. */
export type NewCredential = { id: string; identity_id: string; type: string; status: string; reference: string | null; details: Record<string, unknown>; issued_at: Date; expires_at: Date | null };

export async function insertCredential({ db }: Tx, c: NewCredential): Promise<void> {
  await db
    .insertInto('credentials')
    .values({ ...c, details: JSON.stringify(c.details), updated_at: c.issued_at })
    .execute();
}

/** How many of the identity's credentials of `type` are not terminated, leaving out `exceptId` ('' for none). */
export async function liveCredentialCount({ db }: Queryable, identityId: string, type: string, exceptId: string): Promise<number> {
  const row = await db
    .selectFrom('credentials')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('identity_id', '=', identityId)
    .where('type', '=', type)
    .where('status', '<>', 'terminated')
    .where(sql<boolean>`id::text <> ${exceptId}`)
    .executeTakeFirst();
  return row?.n ?? 0;
}

/** The next PIV credential number (CN of the FASC-N), as the sequence gives it, in decimal. */
export async function nextPivCredentialNumber({ db }: Tx): Promise<string | undefined> {
  const { rows } = await sql<{ n: string }>`SELECT nextval('piv_credential_number')::text AS n`.execute(db);
  return rows[0]?.n;
}

import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/database.ts';
import type { Queryable } from '../store/store.ts';

/** The issued certificates as the credential views read them; every query is built with Kysely. */

/** A row of `certificates`, uuids as text, timestamptz as Date, the DER as bytes. */
export type CertificateRow = {
  serial: string;
  issuer: string;
  profile: string;
  status: string;
  reason: string | null;
  revoked_at: Date | null;
  not_before: Date;
  not_after: Date;
  identity_id: string;
  credential_id: string;
  der: Uint8Array;
};

function selectCertificates(db: Kysely<Database>) {
  return db
    .selectFrom('certificates')
    .select([
      'serial',
      'issuer',
      'profile',
      'status',
      'reason',
      'revoked_at',
      'not_before',
      'not_after',
      sql<string>`identity_id::text`.as('identity_id'),
      sql<string>`credential_id::text`.as('credential_id'),
      'der',
    ]);
}

/** A credential's certificates, oldest first. */
export async function credentialCertificates({ db }: Queryable, credentialId: string): Promise<CertificateRow[]> {
  return selectCertificates(db).where('credential_id', '=', credentialId).orderBy('not_before').orderBy('serial').execute();
}

/** An identity's certificates, oldest first. */
export async function identityCertificates({ db }: Queryable, identityId: string): Promise<CertificateRow[]> {
  return selectCertificates(db).where('identity_id', '=', identityId).orderBy('not_before').orderBy('serial').execute();
}

/** The certificate with the serial (lower-case hex, no leading zero octets), or undefined. */
export async function findCertificate({ db }: Queryable, serial: string): Promise<CertificateRow | undefined> {
  return selectCertificates(db).where('serial', '=', serial).executeTakeFirst();
}

/** A certificate's revocation status. */
export type CertificateStatus = { status: string; reason: string | null; revoked_at: Date | null };

/** The status of the certificate with the serial, or undefined. */
export async function certificateStatus({ db }: Queryable, serial: string): Promise<CertificateStatus | undefined> {
  return db.selectFrom('certificates').select(['status', 'reason', 'revoked_at']).where('serial', '=', serial).executeTakeFirst();
}

/** A certificate to record, status good. */
export type NewCertificate = { serial: string; issuer: string; identity_id: string; credential_id: string; profile: string; not_before: Date; not_after: Date; der: Uint8Array };

export async function insertCertificate({ db }: Queryable, c: NewCertificate): Promise<void> {
  await db
    .insertInto('certificates')
    .values({ ...c, status: 'good', der: sql<Buffer>`decode(${Buffer.from(c.der).toString('hex')}, 'hex')` })
    .execute();
}

/** The serial of a certificate of an identity other than `exceptIdentity` ('' for none) whose DER holds `spki` verbatim. */
export async function serialCertifying({ db }: Queryable, spki: Uint8Array, exceptIdentity: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('certificates')
    .select('serial')
    .where(sql<boolean>`identity_id::text <> ${exceptIdentity}`)
    .where(sql<boolean>`position(decode(${Buffer.from(spki).toString('hex')}, 'hex') in der) > 0`)
    // the same answer each time when several certificates hold the key
    .orderBy('serial')
    .limit(1)
    .executeTakeFirst();
  return row?.serial;
}

/** A certificate's status with its change_seq, as text (a bigint). */
export type CertificateChangeRow = {
  readonly serial: string;
  readonly status: string;
  readonly revoked_at: Date | null;
  readonly reason: string | null;
  readonly change_seq: string;
};

function selectChanges(db: Kysely<Database>, issuer: string) {
  return db
    .selectFrom('certificates')
    .select(['serial', 'status', 'revoked_at', 'reason', sql<string>`change_seq::text`.as('change_seq')])
    .where('issuer', '=', issuer);
}

/** Every certificate of the issuer, oldest revocation first, the never revoked last. */
export async function issuerCertificates({ db }: Queryable, issuer: string): Promise<CertificateChangeRow[]> {
  return selectChanges(db, issuer).orderBy(sql`revoked_at NULLS LAST`).orderBy('serial').execute();
}

/**
 * Certificates of the issuer changed after change_seq `after`, oldest first. Ordered by the bigint column itself:
 * `ORDER BY change_seq` would name the text output alias and put 10 before 9.
 */
export async function issuerCertificatesChangedSince({ db }: Queryable, issuer: string, after: number): Promise<CertificateChangeRow[]> {
  return selectChanges(db, issuer).where('certificates.change_seq', '>', after).orderBy('certificates.change_seq').execute();
}

/** The DER of the credential's good certificates, but those of the `except` profiles. */
export async function goodCertificateDers({ db }: Queryable, credentialId: string, except: readonly string[]): Promise<Uint8Array[]> {
  const rows = await db
    .selectFrom('certificates')
    .select('der')
    .where('credential_id', '=', credentialId)
    .where('status', '=', 'good')
    .where(sql<boolean>`NOT (profile = ANY(${except}::text[]))`)
    .execute();
  return rows.map((r) => r.der);
}

/** The serials of the credential's good certificates of the `profiles`. */
export async function goodSerials({ db }: Queryable, credentialId: string, profiles: readonly string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('certificates')
    .select('serial')
    .where('credential_id', '=', credentialId)
    .where(sql<boolean>`profile = ANY(${profiles}::text[])`)
    .where('status', '=', 'good')
    .execute();
  return rows.map((r) => r.serial);
}

/** An issued certificate with the credential (card) it belongs to. */
export type CertificateOfCard = { identity_id: string; credential_id: string; profile: string; status: string; reason: string | null; card_status: string; card_type: string; card_uuid: string };

/** The certificate with the serial from the issuer, with its credential's status, type and reference; or undefined. */
export async function certificateOfCard({ db }: Queryable, serial: string, issuer: string): Promise<CertificateOfCard | undefined> {
  return db
    .selectFrom('certificates as c')
    .innerJoin('credentials as k', 'k.id', 'c.credential_id')
    .select([
      sql<string>`c.identity_id::text`.as('identity_id'),
      sql<string>`c.credential_id::text`.as('credential_id'),
      'c.profile',
      'c.status',
      'c.reason',
      'k.status as card_status',
      'k.type as card_type',
      sql<string>`k.reference`.as('card_uuid'),
    ])
    .where('c.serial', '=', serial)
    .where('c.issuer', '=', issuer)
    .executeTakeFirst();
}

import type { Queryable, Tx } from '../store/store.ts';

/** The sponsorship and identity-proofing records of PIV issuance; every query is built with Kysely. */

export interface SponsorshipRecord {
  readonly id: string;
  readonly identityId: string;
  /** The operator (an identity of the MUR) who vouched for the applicant. */
  readonly sponsorId: string;
  readonly reason: string;
  readonly recordedAt: Date;
}

/** One piece of identity evidence seen by the registrar (NIST SP 800-63A §4, FIPS 201-3 §2.7). */
export interface EvidenceRecord {
  /** e.g. passport, drivers-license, state-id, military-id, birth-certificate, social-security-card. */
  readonly type: string;
  readonly issuer: string;
  /** The document's own number, as printed on it. */
  readonly documentId: string;
  /** SP 800-63A evidence strength. */
  readonly strength: 'fair' | 'strong' | 'superior';
  /** Whether the document bears a photograph of the applicant (FIPS 201-3: one of the two must). */
  readonly photo: boolean;
  readonly expiresAt?: string | undefined;
}

export interface ProofingRecord {
  readonly id: string;
  readonly identityId: string;
  /** The operator (an identity of the MUR) who proofed the applicant. */
  readonly registrarId: string;
  readonly ial: string;
  readonly method: 'in-person' | 'supervised-remote';
  readonly evidence: readonly EvidenceRecord[];
  readonly proofedAt: Date;
  readonly recordedAt: Date;
}

export async function insertSponsorship({ db }: Tx, r: SponsorshipRecord): Promise<void> {
  await db.insertInto('sponsorships').values({ id: r.id, identity_id: r.identityId, sponsor_id: r.sponsorId, reason: r.reason, recorded_at: r.recordedAt }).execute();
}

export async function insertProofing({ db }: Tx, r: ProofingRecord): Promise<void> {
  await db
    .insertInto('identity_proofings')
    .values({
      id: r.id,
      identity_id: r.identityId,
      registrar_id: r.registrarId,
      ial: r.ial,
      method: r.method,
      evidence: JSON.stringify(r.evidence),
      proofed_at: r.proofedAt,
      recorded_at: r.recordedAt,
    })
    .execute();
}

/** The identity's newest sponsorship, or undefined when none was recorded. */
export async function currentSponsorship({ db }: Queryable, identityId: string): Promise<SponsorshipRecord | undefined> {
  const row = await db.selectFrom('sponsorships').selectAll().where('identity_id', '=', identityId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row ? { id: row.id, identityId: row.identity_id, sponsorId: row.sponsor_id, reason: row.reason, recordedAt: new Date(row.recorded_at) } : undefined;
}

/** The identity's newest identity-proofing record, or undefined when none was recorded. */
export async function currentProofing({ db }: Queryable, identityId: string): Promise<ProofingRecord | undefined> {
  const row = await db.selectFrom('identity_proofings').selectAll().where('identity_id', '=', identityId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (!row) return undefined;
  const evidence = (typeof row.evidence === 'string' ? JSON.parse(row.evidence) : row.evidence) as EvidenceRecord[];
  return {
    id: row.id,
    identityId: row.identity_id,
    registrarId: row.registrar_id,
    ial: row.ial,
    method: row.method as ProofingRecord['method'],
    evidence,
    proofedAt: new Date(row.proofed_at),
    recordedAt: new Date(row.recorded_at),
  };
}

import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import type { Queryable } from '../store/store.ts';

/**
 * Pairwise subject identifiers (SP 800-217 §5.1.2, SP 800-63C-4 §3.3): HMAC-SHA-256 of the RP's sector under a
 * random 256-bit secret of the identity. Nothing about the person goes in, so the identifier carries no PII, and
 * it survives card reissue and any change of name or email; replacing the secret is the one way to change it.
 */
export async function pairwiseSubject(db: Queryable, identityId: string, sector: string, at: Date): Promise<string> {
  return subjectFor(await subjectSecret(db, identityId, at), sector);
}

/**
 * The subject under a given secret: base64url of the full 256-bit MAC. The secret goes in as a KeyObject: Node takes
 * a raw Buffer key through a slower path (several times the cost of the MAC itself), and this runs at every sign-in.
 */
export function subjectFor(secret: Buffer, sector: string): string {
  return createHmac('sha256', createSecretKey(secret)).update(`sector:${sector}`).digest('base64url');
}

/** The identity's secret, made on first use. */
export async function subjectSecret(db: Queryable, identityId: string, at: Date): Promise<Buffer> {
  const [known] = await db.query<{ secret: Uint8Array }>('SELECT secret FROM federation_subject_secrets WHERE identity_id = $1', [identityId]);
  if (known) return Buffer.from(known.secret);
  await db.query('INSERT INTO federation_subject_secrets (identity_id, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (identity_id) DO NOTHING', [identityId, randomBytes(32), at]);
  const [row] = await db.query<{ secret: Uint8Array }>('SELECT secret FROM federation_subject_secrets WHERE identity_id = $1', [identityId]);
  return Buffer.from(row!.secret);
}

/**
 * Replaces the identity's secret, so that every RP sees a new federated identifier; the previous secret is kept
 * to name the old identifiers in the change signals. Returns both.
 */
export async function replaceSubjectSecret(db: Queryable, identityId: string, at: Date): Promise<{ previous: Buffer; current: Buffer }> {
  const previous = await subjectSecret(db, identityId, at);
  const current = randomBytes(32);
  await db.query('UPDATE federation_subject_secrets SET previous = secret, secret = $2, replaced_at = $3 WHERE identity_id = $1', [identityId, current, at]);
  return { previous, current };
}

/**
 * The pairwise sector of a relying party (SP 800-63C-4 §3.3.1: one RP unless the trust agreement shares the
 * identifier): its sector identifier URI when it names one, so that every RP (of any agreement) naming the same URI
 * shares identifiers; otherwise the RP itself, whatever host its redirect URIs are on.
 */
export function sectorOf(clientId: string, sectorIdentifierUri?: string): string {
  return sectorIdentifierUri === undefined ? `client:${clientId}` : `uri:${new URL(sectorIdentifierUri).href}`;
}

/**
 * The subject an RP knows the identity by: the one it already has when that was derived under the earlier sector rule
 * (the redirect URIs' host) and is kept, else the pairwise subject of its sector. Both are read in one query.
 */
export async function subjectAtRp(db: Queryable, identityId: string, clientId: string, sector: string, at: Date): Promise<string> {
  const [row] = await db.query<{ kept: string | null; secret: Uint8Array | null }>(
    `SELECT (SELECT sub FROM federation_rp_subjects WHERE identity_id = $1 AND client_id = $2 AND host_sector) AS kept,
            (SELECT secret FROM federation_subject_secrets WHERE identity_id = $1) AS secret`,
    [identityId, clientId],
  );
  if (row?.kept) return row.kept;
  return row?.secret ? subjectFor(Buffer.from(row.secret), sector) : pairwiseSubject(db, identityId, sector, at);
}

import { createHmac, randomBytes } from 'node:crypto';
import type { Queryable } from '../store/store.ts';

/**
 * Pairwise subject identifiers (SP 800-217 §5.1.2, SP 800-63C-4 §3.3): HMAC-SHA-256 of the RP's sector under a
 * random 256-bit secret of the identity. Nothing about the person goes in, so the identifier carries no PII, and
 * it survives card reissue and any change of name or email; replacing the secret is the one way to change it.
 */
export async function pairwiseSubject(db: Queryable, identityId: string, sector: string, at: Date): Promise<string> {
  return subjectFor(await subjectSecret(db, identityId, at), sector);
}

/** The subject under a given secret: base64url of the full 256-bit MAC. */
export function subjectFor(secret: Buffer, sector: string): string {
  return createHmac('sha256', secret).update(`sector:${sector}`).digest('base64url');
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

/** The pairwise sector of a relying party: the sector identifier URI's host, else the one host name of its redirect URIs (as OpenID Connect defines the sector). */
export function sectorOf(redirectUris: readonly string[], sectorIdentifierUri?: string): string {
  if (sectorIdentifierUri !== undefined) return new URL(sectorIdentifierUri).hostname;
  const hosts = new Set(redirectUris.map((u) => new URL(u).hostname));
  if (hosts.size !== 1) throw new TypeError('redirect URIs on several hosts need a sector identifier URI');
  return [...hosts][0]!;
}

import { type CryptoKey, type JWK, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { Clock } from '../core/clock.ts';
import type { Queryable, Store, Tx } from '../store/store.ts';

/**
 * The federation entity keys (OpenID Federation `jwks`): they sign muster's entity configuration and nothing
 * else, apart from the OP's ID token keys. `kid` is the key's JWK SHA-256 thumbprint (RFC 7638).
 */

export const FEDERATION_KEY_PURPOSE = 'federation';
export const FEDERATION_KEY_ALG = 'ES256';
const FEDERATION_KEY_LOCK = 7_266_010;

export interface FederationSigningKey {
  readonly kid: string;
  readonly alg: typeof FEDERATION_KEY_ALG;
  readonly privateKey: CryptoKey;
}

const ACTIVE = `SELECT kid, private_jwk FROM federation_keys WHERE purpose = '${FEDERATION_KEY_PURPOSE}' AND activated_at <= $1 AND retired_at IS NULL ORDER BY activated_at DESC LIMIT 1`;

/** The key that signs now; the first call creates it. */
export async function federationSigningKey(store: Store, clock: Clock): Promise<FederationSigningKey> {
  const now = clock.now();
  const [found] = await store.query<{ kid: string; private_jwk: JWK }>(ACTIVE, [now]);
  if (found) return signingKeyOf(found.kid, found.private_jwk);
  return store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [FEDERATION_KEY_LOCK]);
    const [raced] = await tx.query<{ kid: string; private_jwk: JWK }>(ACTIVE, [now]);
    if (raced) return signingKeyOf(raced.kid, raced.private_jwk);
    const created = await insertKey(tx, now);
    return signingKeyOf(created.kid, created.privateJwk);
  });
}

/** Every published federation key at `at`: the signing key and retired ones until they expire. */
export async function federationPublicKeys(db: Queryable, at: Date): Promise<JWK[]> {
  const rows = await db.query<{ public_jwk: JWK }>(
    `SELECT public_jwk FROM federation_keys WHERE purpose = '${FEDERATION_KEY_PURPOSE}' AND created_at <= $1 AND (expires_at IS NULL OR expires_at > $1) ORDER BY created_at DESC, kid`,
    [at],
  );
  return rows.map((r) => r.public_jwk);
}

/**
 * A new signing key from now on. The one it replaces stops signing and stays published for `overlapSeconds`
 * (at least the entity configuration's lifetime), so statements it signed still verify. Returns the new kid.
 */
export async function rotateFederationKey(store: Store, clock: Clock, overlapSeconds: number): Promise<string> {
  const now = clock.now();
  return store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [FEDERATION_KEY_LOCK]);
    await tx.query(
      `UPDATE federation_keys SET retired_at = $1, expires_at = $2 WHERE purpose = '${FEDERATION_KEY_PURPOSE}' AND retired_at IS NULL`,
      [now, new Date(now.getTime() + overlapSeconds * 1000)],
    );
    return (await insertKey(tx, now)).kid;
  });
}

async function insertKey(tx: Tx, now: Date): Promise<{ kid: string; privateJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(FEDERATION_KEY_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  const published = { ...publicJwk, kid, alg: FEDERATION_KEY_ALG, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: FEDERATION_KEY_ALG };
  await tx.query(
    'INSERT INTO federation_keys (kid, purpose, alg, private_jwk, public_jwk, created_at, activated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)',
    [kid, FEDERATION_KEY_PURPOSE, FEDERATION_KEY_ALG, privateJwk, published, now],
  );
  return { kid, privateJwk };
}

async function signingKeyOf(kid: string, privateJwk: JWK): Promise<FederationSigningKey> {
  return { kid, alg: FEDERATION_KEY_ALG, privateKey: (await importJWK(privateJwk, FEDERATION_KEY_ALG)) as CryptoKey };
}

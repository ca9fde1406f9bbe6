import { type CryptoKey, type JWK, importJWK } from 'jose';
import type { Clock } from '../core/clock.ts';
import type { KeyVault } from '../core/key-vault.ts';
import type { Queryable, Store } from '../store/store.ts';
import { activeSigningKey, insertSigningKey, publishedKeys } from './signing-keys.ts';

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

/** The key that signs now; the first call creates it. */
export async function federationSigningKey(store: Store, vault: KeyVault, clock: Clock): Promise<FederationSigningKey> {
  const now = clock.now();
  const { kid, privateJwk } = await store.transaction((tx) => activeSigningKey(tx, vault, FEDERATION_KEY_PURPOSE, FEDERATION_KEY_ALG, now));
  return { kid, alg: FEDERATION_KEY_ALG, privateKey: (await importJWK(privateJwk, FEDERATION_KEY_ALG)) as CryptoKey };
}

/** Every published federation key at `at`: the signing key and retired ones until they expire. */
export function federationPublicKeys(db: Queryable, at: Date): Promise<JWK[]> {
  return publishedKeys(db, FEDERATION_KEY_PURPOSE, at);
}

/**
 * A new signing key from now on. The one it replaces stops signing and stays published for `overlapSeconds`
 * (at least the entity configuration's lifetime), so statements it signed still verify. Returns the new kid.
 */
export async function rotateFederationKey(store: Store, vault: KeyVault, clock: Clock, overlapSeconds: number): Promise<string> {
  const now = clock.now();
  return store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [FEDERATION_KEY_LOCK]);
    await tx.query('UPDATE federation_keys SET retired_at = $2, expires_at = $3 WHERE purpose = $1 AND retired_at IS NULL', [
      FEDERATION_KEY_PURPOSE,
      now,
      new Date(now.getTime() + overlapSeconds * 1000),
    ]);
    return (await insertSigningKey(tx, vault, FEDERATION_KEY_PURPOSE, FEDERATION_KEY_ALG, now, now)).kid;
  });
}

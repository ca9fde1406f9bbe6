import { importJWK, type CryptoKey, type JWK } from 'jose';
import { activeSigningKey, publishedKeys } from '../../federation/signing-keys.ts';
import type { KeyVault } from '../../core/key-vault.ts';
import type { Queryable, Store } from '../../store/store.ts';

/**
 * The transmitter's SET signing key in `federation_keys`, purpose `ssf`: RS256 over RSA 2048 (the CAEP
 * interoperability profile), made on first use. Receivers find it at the transmitter's `jwks_uri`.
 */

export const SSF_KEY_PURPOSE = 'ssf';
export const SSF_ALG = 'RS256';

export interface SetSigningKey {
  readonly kid: string;
  readonly key: CryptoKey;
}

/** The active signing key, made when there is none (call it inside a transaction). */
export async function setSigningKey(db: Queryable, vault: KeyVault, at: Date): Promise<SetSigningKey> {
  const { kid, privateJwk } = await activeSigningKey(db, vault, SSF_KEY_PURPOSE, SSF_ALG, at);
  return { kid, key: (await importJWK(privateJwk, SSF_ALG)) as CryptoKey };
}

/**
 * The published keys (public parts) of the transmitter. The signing key is made here when there is none yet, so that
 * receivers find it at `jwks_uri` before the first SET.
 */
export async function transmitterJwks(store: Store, vault: KeyVault, at: Date): Promise<{ keys: JWK[] }> {
  const keys = await publishedKeys(store, SSF_KEY_PURPOSE, at);
  if (keys.length > 0) return { keys };
  await store.transaction((tx) => activeSigningKey(tx, vault, SSF_KEY_PURPOSE, SSF_ALG, at));
  return { keys: await publishedKeys(store, SSF_KEY_PURPOSE, at) };
}

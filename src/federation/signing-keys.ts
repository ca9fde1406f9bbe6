import { type JWK, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { isSealed, type KeyVault, openJson, sealJson } from '../core/key-vault.ts';
import type { Queryable } from '../store/store.ts';

/**
 * The signing keys of the federation parts in `federation_keys`, one set per purpose: the OP's ID tokens (`oidc`),
 * the entity configuration (`federation`) and the shared-signals transmitter (`ssf`). A key is published from
 * created_at, signs from activated_at until retired_at, and stays published until expires_at. The kid is the public
 * key's RFC 7638 thumbprint. The private JWK is stored sealed (core/key-vault.ts) and opened in memory when it signs.
 */

export type SigningAlg = 'RS256' | 'ES256';

export interface SigningJwks {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

const KEYS_LOCK = 7_266_011;

/** A new key pair as JWKs (RSA 2048 for RS256, P-256 for ES256). */
export async function newSigningJwks(alg: SigningAlg): Promise<SigningJwks> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  const meta = { kid, alg, use: 'sig' };
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...publicJwk, ...meta } };
}

/** Where a key's sealed private JWK is stored: bound into the sealed value. */
export const keyPlace = (kid: string): string => `federation_keys:${kid}`;

/** The private JWK of a stored row, opened from its sealed form (a row from before sealing is read as it is). */
export async function openPrivateJwk(vault: KeyVault, kid: string, stored: unknown): Promise<JWK> {
  return isSealed(stored) ? openJson<JWK>(vault, stored, keyPlace(kid)) : (stored as JWK);
}

/** Stores a key of a purpose, its private JWK sealed; active from `activeFrom` when given, else only published. */
export async function insertSigningKey(db: Queryable, vault: KeyVault, purpose: string, alg: SigningAlg, at: Date, activeFrom?: Date): Promise<SigningJwks> {
  const key = await newSigningJwks(alg);
  await db.query('INSERT INTO federation_keys (kid, purpose, alg, private_jwk, public_jwk, created_at, activated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    key.kid,
    purpose,
    alg,
    await sealJson(vault, key.privateJwk, keyPlace(key.kid)),
    key.publicJwk,
    at,
    activeFrom ?? null,
  ]);
  return key;
}

async function activeKey(db: Queryable, vault: KeyVault, purpose: string, at: Date): Promise<SigningJwks | undefined> {
  const [row] = await db.query<{ kid: string; private_jwk: unknown; public_jwk: JWK }>(
    'SELECT kid, private_jwk, public_jwk FROM federation_keys WHERE purpose = $1 AND activated_at <= $2 AND retired_at IS NULL ORDER BY activated_at DESC LIMIT 1',
    [purpose, at],
  );
  return row ? { kid: row.kid, privateJwk: await openPrivateJwk(vault, row.kid, row.private_jwk), publicJwk: row.public_jwk } : undefined;
}

/**
 * The key of a purpose that signs at `at`, made and activated when there is none. Call it inside a transaction: the
 * advisory lock it takes then makes sure one process makes the key.
 */
export async function activeSigningKey(db: Queryable, vault: KeyVault, purpose: string, alg: SigningAlg, at: Date): Promise<SigningJwks> {
  const found = await activeKey(db, vault, purpose, at);
  if (found) return found;
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [KEYS_LOCK, purpose]);
  return (await activeKey(db, vault, purpose, at)) ?? insertSigningKey(db, vault, purpose, alg, at, at);
}

/** The public keys of a purpose published at `at`: every key made by then and not yet expired, newest first. */
export async function publishedKeys(db: Queryable, purpose: string, at: Date): Promise<JWK[]> {
  const rows = await db.query<{ public_jwk: JWK }>(
    'SELECT public_jwk FROM federation_keys WHERE purpose = $1 AND created_at <= $2 AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at DESC, kid',
    [purpose, at],
  );
  return rows.map((r) => r.public_jwk);
}

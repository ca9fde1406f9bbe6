import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Queryable } from '../../store/store.ts';

/**
 * The transmitter's SET signing key in `federation_keys`, purpose `ssf`: RS256 over RSA 2048 (the CAEP
 * interoperability profile), made on first use. Receivers find it at the transmitter's `jwks_uri`.
 */

export const SSF_KEY_PURPOSE = 'ssf';
export const SSF_ALG = 'RS256';
const KEY_LOCK = 7_266_008;
const makeKeyPair = promisify(generateKeyPair);

export interface SetSigningKey {
  readonly kid: string;
  readonly key: CryptoKey;
}

interface KeyRow extends Record<string, unknown> {
  kid: string; private_jwk: JWK; public_jwk: JWK;
}

/** The active signing key, made (under an advisory lock, so one process makes it) when there is none. */
export async function setSigningKey(db: Queryable, at: Date): Promise<SetSigningKey> {
  const row = (await activeKey(db)) ?? (await makeKey(db, at));
  return { kid: row.kid, key: (await importJWK(row.private_jwk, SSF_ALG)) as CryptoKey };
}

/** The published keys (public parts) of the transmitter. */
export async function transmitterJwks(db: Queryable, at: Date): Promise<{ keys: JWK[] }> {
  const rows = await db.query<KeyRow>('SELECT kid, private_jwk, public_jwk FROM federation_keys WHERE purpose = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at, kid', [SSF_KEY_PURPOSE, at]);
  return { keys: rows.map((r) => r.public_jwk) };
}

async function activeKey(db: Queryable): Promise<KeyRow | undefined> {
  const [row] = await db.query<KeyRow>(
    'SELECT kid, private_jwk, public_jwk FROM federation_keys WHERE purpose = $1 AND activated_at IS NOT NULL AND retired_at IS NULL ORDER BY activated_at DESC LIMIT 1', [SSF_KEY_PURPOSE]);
  return row;
}

async function makeKey(db: Queryable, at: Date): Promise<KeyRow> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
  const existing = await activeKey(db);
  if (existing) return existing;
  const { privateKey, publicKey } = await makeKeyPair('rsa', { modulusLength: 2048 });
  const pub = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(pub);
  const meta = { kid, alg: SSF_ALG, use: 'sig' };
  const [row] = await db.query<KeyRow>(
    'INSERT INTO federation_keys (kid, purpose, alg, private_jwk, public_jwk, created_at, activated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING kid, private_jwk, public_jwk',
    [kid, SSF_KEY_PURPOSE, SSF_ALG, { ...(privateKey.export({ format: 'jwk' }) as JWK), ...meta }, { ...pub, ...meta }, at],
  );
  return row as KeyRow;
}

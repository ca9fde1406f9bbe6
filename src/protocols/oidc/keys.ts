import type { JWK } from 'jose';
import type { Clock } from '../../core/clock.ts';
import type { KeyVault } from '../../core/key-vault.ts';
import type { Queryable, Store } from '../../store/store.ts';
import { insertSigningKey, openPrivateJwk } from '../../federation/signing-keys.ts';

/**
 * The OP's signing keys (RS256, RSA 2048) in `federation_keys`, purpose `oidc`. A key is published when made, signs
 * from its activation until the next key is activated, and stays published after retirement until every token it
 * signed has expired (`expires_at` = retirement + the longest token lifetime); then it is dropped. The next key is
 * published a while before it takes over, so relying parties that cache the JWKS already know it. Private keys are
 * stored sealed and opened only in memory.
 */

export const OIDC_KEY_PURPOSE = 'oidc';
const KEY_LOCK = 7_266_006;
const DAY_MS = 86_400_000;

export interface KeySchedule {
  readonly rotationDays: number;
  /** The longest lifetime of anything the OP signs, seconds. */
  readonly maxTokenTtlSeconds: number;
}

interface KeyRow extends Record<string, unknown> {
  kid: string;
  private_jwk: unknown;
  public_jwk: JWK;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
  expires_at: Date | null;
}

/**
 * Brings the key set up to date at the clock's time: the first key made and activated; the next one published ahead
 * of rotation, then activated while the old one retires; expired keys dropped. Returns whether anything changed.
 */
export async function maintainSigningKeys(store: Store, vault: KeyVault, clock: Clock, schedule: KeySchedule): Promise<boolean> {
  const now = clock.now();
  return store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
    const dropped = await tx.query('DELETE FROM federation_keys WHERE purpose = $1 AND expires_at <= $2 RETURNING kid', [OIDC_KEY_PURPOSE, now]);
    const keys = await keyRows(tx);
    const active = keys.find((k) => k.activated_at && !k.retired_at);
    if (!active) return activate(tx, keys.find((k) => !k.activated_at) ?? (await insertKey(tx, vault, now)), undefined, now, schedule);
    const age = now.getTime() - new Date(active.activated_at as Date).getTime();
    const rotation = schedule.rotationDays * DAY_MS;
    let pending = keys.find((k) => !k.activated_at);
    let changed = dropped.length > 0;
    if (!pending && age >= rotation - prePublication(rotation)) {
      pending = await insertKey(tx, vault, now);
      changed = true;
    }
    if (pending && age >= rotation) return activate(tx, pending, active, now, schedule);
    return changed;
  });
}

/** How long before its activation the next key is published: a day, or half the rotation period if shorter. */
function prePublication(rotationMs: number): number {
  return Math.min(DAY_MS, rotationMs / 2);
}

async function keyRows(db: Queryable): Promise<KeyRow[]> {
  return db.query<KeyRow>('SELECT * FROM federation_keys WHERE purpose = $1 ORDER BY created_at, kid', [OIDC_KEY_PURPOSE]);
}

async function insertKey(db: Queryable, vault: KeyVault, at: Date): Promise<KeyRow> {
  const { kid } = await insertSigningKey(db, vault, OIDC_KEY_PURPOSE, 'RS256', at);
  const [row] = await db.query<KeyRow>('SELECT * FROM federation_keys WHERE kid = $1', [kid]);
  return row as KeyRow;
}

async function activate(db: Queryable, next: KeyRow, previous: KeyRow | undefined, at: Date, schedule: KeySchedule): Promise<boolean> {
  await db.query('UPDATE federation_keys SET activated_at = $2 WHERE kid = $1', [next.kid, at]);
  if (previous) {
    const expires = new Date(at.getTime() + schedule.maxTokenTtlSeconds * 1000);
    await db.query('UPDATE federation_keys SET retired_at = $2, expires_at = $3 WHERE kid = $1', [previous.kid, at, expires]);
  }
  return true;
}

/** The JWKS oidc-provider is built with: private keys of every published key, the active one first (it signs). */
export async function currentJwks(db: Queryable, vault: KeyVault, clock: Clock): Promise<{ keys: JWK[] }> {
  const keys = await publishedRows(db, clock);
  return { keys: await Promise.all(keys.map((k) => openPrivateJwk(vault, k.kid, k.private_jwk))) };
}

/** The private JWK that signs now (the active key), opened; undefined before the first key is made. */
export async function activeJwk(db: Queryable, vault: KeyVault, clock: Clock): Promise<JWK | undefined> {
  const [active] = await publishedRows(db, clock);
  return active ? openPrivateJwk(vault, active.kid, active.private_jwk) : undefined;
}

/** The kids of the published keys, in currentJwks's order. */
export async function currentKids(db: Queryable, clock: Clock): Promise<{ keys: { kid: string }[] }> {
  return { keys: (await publishedRows(db, clock)).map((k) => ({ kid: k.kid })) };
}

async function publishedRows(db: Queryable, clock: Clock): Promise<KeyRow[]> {
  const keys = (await keyRows(db)).filter((k) => !k.expires_at || new Date(k.expires_at) > clock.now());
  const rank = (k: KeyRow) => (k.activated_at && !k.retired_at ? 0 : k.activated_at ? 2 : 1);
  return keys.sort((a, b) => rank(a) - rank(b));
}

/** A fingerprint of the key set (kids in order): the provider is rebuilt when it changes. */
export function jwksFingerprint(jwks: { keys: readonly { kid?: string | undefined }[] }): string {
  return jwks.keys.map((k) => k.kid).join(',');
}

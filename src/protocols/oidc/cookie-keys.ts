import { randomBytes } from 'node:crypto';
import { isSealed, type KeyVault, openJson, sealJson } from '../../core/key-vault.ts';
import type { Queryable } from '../../store/store.ts';

export const COOKIE_KEYS_SETTING = 'oidc.cookie-keys';
/** Where the sealed cookie keys are stored: bound into the sealed value. */
export const COOKIE_KEYS_PLACE = `settings:${COOKIE_KEYS_SETTING}`;

/**
 * The keys that sign the OP's cookies: made once, kept sealed in `settings`, the same for every muster process.
 * A list stored before sealing is read as it is (the start seals it: runtime/seal-keys.ts).
 */
export async function cookieKeys(db: Queryable, vault: KeyVault): Promise<string[]> {
  const row = (await storedCookieKeys(db)) ?? (await makeCookieKeys(db, vault));
  return isSealed(row.value) ? openJson<string[]>(vault, row.value, COOKIE_KEYS_PLACE) : (row.value as string[]);
}

function storedCookieKeys(db: Queryable): Promise<{ value: unknown } | undefined> {
  return db.db.selectFrom('settings').select('value').where('key', '=', COOKIE_KEYS_SETTING).executeTakeFirst();
}

/** Seals new keys (a key derivation under this process's salt: only when none are stored) and stores them unless another process did first. */
async function makeCookieKeys(db: Queryable, vault: KeyVault): Promise<{ value: unknown }> {
  const made = await sealJson(vault, [randomBytes(32).toString('base64url')], COOKIE_KEYS_PLACE);
  await db.db
    .insertInto('settings')
    .values({ key: COOKIE_KEYS_SETTING, value: JSON.stringify(made) })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
  return db.db.selectFrom('settings').select('value').where('key', '=', COOKIE_KEYS_SETTING).executeTakeFirstOrThrow();
}

/** Seals cookie keys stored in the clear before sealing; returns whether it did. */
export async function sealStoredCookieKeys(db: Queryable, vault: KeyVault): Promise<boolean> {
  const row = await db.db.selectFrom('settings').select('value').where('key', '=', COOKIE_KEYS_SETTING).forUpdate().executeTakeFirst();
  if (!row || isSealed(row.value)) return false;
  const sealed = await sealJson(vault, row.value, COOKIE_KEYS_PLACE);
  await db.db
    .updateTable('settings')
    .set({ value: JSON.stringify(sealed) })
    .where('key', '=', COOKIE_KEYS_SETTING)
    .execute();
  return true;
}

/** Opens the stored cookie keys, if any, to check that this process's custody opens them (refuses naming why). */
export async function checkCookieKeys(db: Queryable, vault: KeyVault): Promise<void> {
  const row = await db.db.selectFrom('settings').select('value').where('key', '=', COOKIE_KEYS_SETTING).executeTakeFirst();
  if (row && isSealed(row.value)) await openJson(vault, row.value, COOKIE_KEYS_PLACE);
}

import { isSealed, type KeyVault, sealJson } from '../core/key-vault.ts';
import type { Queryable } from '../store/store.ts';
import { keyPlace, openPrivateJwk } from './signing-keys.ts';

/** Seals every private JWK of `federation_keys` still stored in the clear (from before sealing); returns their kids. */
export async function sealStoredSigningKeys(db: Queryable, vault: KeyVault): Promise<string[]> {
  const rows = await db.db.selectFrom('federation_keys').select(['kid', 'private_jwk']).orderBy('kid').forUpdate().execute();
  const sealed: string[] = [];
  for (const row of rows) {
    if (isSealed(row.private_jwk)) continue;
    const value = await sealJson(vault, row.private_jwk, keyPlace(row.kid));
    await db.db
      .updateTable('federation_keys')
      .set({ private_jwk: JSON.stringify(value) })
      .where('kid', '=', row.kid)
      .execute();
    sealed.push(row.kid);
  }
  return sealed;
}

/** Opens every stored signing key, to learn at start that this process's custody opens them (refuses naming why). */
export async function checkSigningKeys(db: Queryable, vault: KeyVault): Promise<void> {
  const rows = await db.db.selectFrom('federation_keys').select(['kid', 'private_jwk']).execute();
  for (const row of rows) await openPrivateJwk(vault, row.kid, row.private_jwk);
}

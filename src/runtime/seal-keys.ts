import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../audit/writer.ts';
import type { KeyVault } from '../core/key-vault.ts';
import { checkSigningKeys, sealStoredSigningKeys } from '../federation/seal-signing-keys.ts';
import { keyPlace } from '../federation/signing-keys.ts';
import { COOKIE_KEYS_PLACE, checkCookieKeys, sealStoredCookieKeys } from '../protocols/oidc/cookie-keys.ts';
import type { Store } from '../store/store.ts';

/** The audit actor of what muster does on its own at start. */
const ACTOR = 'muster';

/**
 * At every start: signing and cookie keys stored in the clear by an earlier muster are sealed (once, audited), and
 * every sealed key is opened once (checkSealedKeys), so a wrong passphrase or token refuses the start naming why
 * rather than the first sign-in failing.
 */
export async function sealClearKeys(store: Store, vault: KeyVault, audit: AuditWriter): Promise<void> {
  await store.transaction(async (tx) => {
    const kids = await sealStoredSigningKeys(tx, vault);
    const cookies = await sealStoredCookieKeys(tx, vault);
    if (kids.length === 0 && !cookies) return;
    const sealed = [...kids.map(keyPlace), ...(cookies ? [COOKIE_KEYS_PLACE] : [])];
    await audit.append(
      tx,
      [
        {
          actor: ACTOR,
          action: 'keys.sealed',
          target: 'store',
          reason: 'signing and cookie keys stored in the clear are sealed under the key custody',
          data: { sealed, custody: vault.custody },
        },
      ],
      randomUUID(),
    );
  });
}

/**
 * Opens every sealed key once; refuses naming why when this custody cannot. Under the passphrase, the key derivation
 * (scrypt, once per salt) runs on libuv's threads: a start may go on with its other work meanwhile.
 */
export async function checkSealedKeys(store: Store, vault: KeyVault): Promise<void> {
  await checkSigningKeys(store, vault);
  await checkCookieKeys(store, vault);
}

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
 * every sealed key is opened once, so a wrong passphrase or token refuses the start naming why rather than the
 * first sign-in failing.
 */
export async function sealKeysAtRest(store: Store, vault: KeyVault, audit: AuditWriter): Promise<void> {
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
  await checkSigningKeys(store, vault);
  await checkCookieKeys(store, vault);
}

import type { MusterConfig } from '../config/schema.ts';
import type { KeyVault } from '../core/key-vault.ts';
import { envelopeVault, passphraseKeyWrapper, tokenKeyWrapper } from '../pki/vault/index.ts';
import { keyPassphrase } from './key-passphrase.ts';

/** The vault of this process, and how to let go of the token key it may hold. */
export interface HeldKeyVault {
  readonly vault: KeyVault;
  close(): void;
}

/**
 * The vault that seals the signing and cookie keys, in the CA keys' custody: with `pki.hsm`, data keys are
 * wrapped by an AES key on the token (`pki.hsm.wrapKeyLabel`, generated on first start); otherwise by a key
 * derived from the key passphrase.
 */
export async function openKeyVault(config: MusterConfig): Promise<HeldKeyVault> {
  const passphrase = passphraseKeyWrapper(await keyPassphrase(config));
  const hsm = config.pki.hsm;
  if (!hsm) return { vault: envelopeVault(passphrase), close: () => {} };
  const { openPkcs11WrapKey } = await import('../pki/hsm/wrap-key.ts');
  const key = openPkcs11WrapKey({ module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin, keyLabel: hsm.wrapKeyLabel, create: true });
  return { vault: envelopeVault(tokenKeyWrapper(key, passphrase)), close: () => key.close() };
}

import { MusterError } from '../../core/errors.ts';
import type { KekReference } from '../../core/key-vault.ts';
import type { KeyWrapper } from './envelope.ts';

/** A wrapping key on a PKCS#11 token (src/pki/hsm/wrap-key.ts). */
export interface TokenWrapKey {
  readonly keyLabel: string;
  wrap(dataKey: Uint8Array): Buffer;
  unwrap(wrapped: Uint8Array): Buffer;
}

/**
 * Data keys wrapped by the token's AES key. Secrets sealed under the passphrase before the token was configured
 * are opened with `passphrase` (so an upgraded store keeps working) until they are sealed again.
 */
export function tokenKeyWrapper(key: TokenWrapKey, passphrase: KeyWrapper): KeyWrapper {
  const reference: KekReference = { kind: 'pkcs11', label: key.keyLabel };
  return {
    reference,
    wrap: async (dataKey) => key.wrap(dataKey),
    async unwrap(wrapped, kek, place) {
      if (kek.kind === 'passphrase') return passphrase.unwrap(wrapped, kek, place);
      if (kek.label !== key.keyLabel) {
        throw new MusterError('MUSTER_ERR_PKI_HSM', `the sealed key at ${place} is wrapped by the token key "${kek.label}", and pki.hsm.wrapKeyLabel is "${key.keyLabel}"`, [
          { key: 'pki.hsm.wrapKeyLabel', message: `the sealed keys need "${kek.label}"` },
        ]);
      }
      return key.unwrap(wrapped);
    },
  };
}

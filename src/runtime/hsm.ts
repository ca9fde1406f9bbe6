import type { MusterConfig } from '../config/schema.ts';
import type { KeyCustody } from '../pki/store/key-custody.ts';

type HsmConfig = NonNullable<MusterConfig['pki']['hsm']>;

/** CA keys on a PKCS#11 token: the root and issuing keys are generated on it and never leave it. */
export async function hsmCustody(config: HsmConfig): Promise<NonNullable<KeyCustody['hsm']>> {
  const { openPkcs11CaKey } = await import('../pki/hsm/index.ts');
  return {
    labels: { root: config.rootKeyLabel, issuing: config.issuingKeyLabel },
    open: (label, algorithm, create) => openPkcs11CaKey({ module: config.module, tokenLabel: config.tokenLabel, pin: config.pin, keyLabel: label, algorithm, create }),
  };
}

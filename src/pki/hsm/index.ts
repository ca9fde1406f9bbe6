/** CA signing keys held on a PKCS#11 token (an HSM, or SoftHSM2 in tests). */
export { openPkcs11CaKey, type Pkcs11CaKey, type Pkcs11KeyOptions } from './pkcs11-key.ts';
export { hsmSpec, type HsmSpec } from './algorithms.ts';

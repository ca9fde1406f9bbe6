/** Envelope encryption of the secrets muster keeps in its store, under the CA keys' custody. */
export { envelopeVault, type KeyWrapper } from './envelope.ts';
export { passphraseKeyWrapper } from './passphrase-kek.ts';
export { tokenKeyWrapper, type TokenWrapKey } from './token-kek.ts';

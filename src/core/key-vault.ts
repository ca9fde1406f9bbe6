/**
 * Secrets muster keeps in its store (the OIDC, federation and SSF signing keys, the OP's cookie keys) are kept
 * sealed: encrypted under a fresh data key (AES-256-GCM), that data key wrapped by a key-encryption key held as the
 * CA keys are (derived from the key passphrase, or on the PKCS#11 token). Only the sealed form is stored; the
 * secret is opened in memory when it is used.
 */

/** Which key-encryption key wrapped the data key: one derived from the passphrase (with its salt), or a token key. */
export type KekReference = { readonly kind: 'passphrase'; readonly salt: string } | { readonly kind: 'pkcs11'; readonly label: string };

/** A secret as stored. Binary members are base64url. */
export interface SealedSecret {
  readonly sealed: typeof SEALED_FORMAT;
  readonly kek: KekReference;
  /** The data key, wrapped by the key-encryption key. */
  readonly wrappedKey: string;
  readonly iv: string;
  /** The ciphertext followed by the 16-byte GCM tag. */
  readonly data: string;
}

export const SEALED_FORMAT = 'muster-envelope-1';

export interface KeyVault {
  /** How new secrets are sealed: under the passphrase, or under a token key. */
  readonly custody: KekReference['kind'];
  /**
   * Seals a secret. `place` names where it is stored (e.g. `federation_keys:<kid>`): it is bound in as additional
   * data, so a sealed value copied to another place does not open.
   */
  seal(secret: Uint8Array, place: string): Promise<SealedSecret>;
  /** Opens a sealed secret stored at `place`; refuses (MUSTER_ERR_PKI_KEY or MUSTER_ERR_PKI_HSM) naming why. */
  open(sealed: SealedSecret, place: string): Promise<Uint8Array>;
}

/** Whether a stored value is a sealed secret (and not, say, a plaintext key from before sealing). */
export function isSealed(value: unknown): value is SealedSecret {
  return typeof value === 'object' && value !== null && (value as { sealed?: unknown }).sealed === SEALED_FORMAT;
}

/** Seals a JSON value (a JWK, a list of keys). */
export function sealJson(vault: KeyVault, value: unknown, place: string): Promise<SealedSecret> {
  return vault.seal(new TextEncoder().encode(JSON.stringify(value)), place);
}

/** Opens a sealed JSON value. */
export async function openJson<T>(vault: KeyVault, sealed: SealedSecret, place: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await vault.open(sealed, place))) as T;
}

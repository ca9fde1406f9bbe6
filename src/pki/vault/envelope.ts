import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { MusterError } from '../../core/errors.ts';
import { type KekReference, type KeyVault, type SealedSecret, SEALED_FORMAT } from '../../core/key-vault.ts';

/** A key-encryption key: wraps data keys, and unwraps those wrapped by the keys it knows (`reference`). */
export interface KeyWrapper {
  /** What new sealed secrets name as their key-encryption key. */
  readonly reference: KekReference;
  wrap(dataKey: Uint8Array): Promise<Uint8Array>;
  /** Unwraps a data key wrapped under `reference`; refuses naming why when it cannot. */
  unwrap(wrapped: Uint8Array, reference: KekReference, place: string): Promise<Uint8Array>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const bytes = (text: string): Buffer => Buffer.from(text, 'base64url');

/** AES-256-GCM of `plain` under `key`: iv ‖ ciphertext ‖ tag. */
export function gcmEncrypt(key: Uint8Array, plain: Uint8Array, aad: string): { iv: Buffer; data: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return { iv, data };
}

/** Opens gcmEncrypt's output; null when the key, the data or the additional data do not match. */
export function gcmDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, aad: string): Buffer | null {
  if (data.length < TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

/** Envelope encryption: every secret under its own data key, the data key wrapped by `wrapper`. */
export function envelopeVault(wrapper: KeyWrapper): KeyVault {
  return {
    custody: wrapper.reference.kind,
    async seal(secret, place) {
      const dataKey = randomBytes(32);
      try {
        const { iv, data } = gcmEncrypt(dataKey, secret, place);
        const wrappedKey = await wrapper.wrap(dataKey);
        return { sealed: SEALED_FORMAT, kek: wrapper.reference, wrappedKey: b64(wrappedKey), iv: b64(iv), data: b64(data) };
      } finally {
        dataKey.fill(0);
      }
    },
    async open(sealed: SealedSecret, place) {
      const dataKey = await wrapper.unwrap(bytes(sealed.wrappedKey), sealed.kek, place);
      try {
        const plain = gcmDecrypt(dataKey, bytes(sealed.iv), bytes(sealed.data), place);
        if (plain) return plain;
        throw new MusterError('MUSTER_ERR_PKI_KEY', `the sealed key at ${place} does not open: it was damaged or copied from another place`, [
          { key: place, message: 'sealed data or its place do not match' },
        ]);
      } finally {
        dataKey.fill(0);
      }
    },
  };
}

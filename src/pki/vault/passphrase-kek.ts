import { randomBytes, scrypt } from 'node:crypto';
import { MusterError } from '../../core/errors.ts';
import type { KekReference } from '../../core/key-vault.ts';
import { gcmDecrypt, gcmEncrypt, type KeyWrapper } from './envelope.ts';

/** scrypt cost (RFC 7914): N = 2^15, r = 8, p = 1, about 32 MiB and a tenth of a second, once per salt. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const WRAP_PLACE = 'muster data key';
const IV_BYTES = 12;

function derive(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(passphrase, salt, 32, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))));
}

function refused(place: string, message: string): MusterError {
  return new MusterError('MUSTER_ERR_PKI_KEY', `cannot open the sealed key at ${place}: ${message}`, [{ key: 'pki.keyPassphrase', message }]);
}

/**
 * A key-encryption key derived with scrypt from the key passphrase (the one that encrypts the CA keys). New data
 * keys are wrapped under this process's salt; keys wrapped under another salt are opened by deriving for it.
 */
export function passphraseKeyWrapper(passphrase: string): KeyWrapper {
  const salt = randomBytes(16);
  const reference: KekReference = { kind: 'passphrase', salt: salt.toString('base64url') };
  const keys = new Map<string, Promise<Buffer>>();
  const kekFor = (saltText: string): Promise<Buffer> => {
    const known = keys.get(saltText);
    if (known) return known;
    const derived = derive(passphrase, Buffer.from(saltText, 'base64url'));
    keys.set(saltText, derived);
    return derived;
  };
  return {
    reference,
    async wrap(dataKey) {
      const { iv, data } = gcmEncrypt(await kekFor(reference.salt), dataKey, WRAP_PLACE);
      return Buffer.concat([iv, data]);
    },
    async unwrap(wrapped, kek, place) {
      if (kek.kind !== 'passphrase') throw refused(place, `it is wrapped by the PKCS#11 token key "${kek.label}", and pki.hsm is not configured`);
      const key = await kekFor(kek.salt);
      const dataKey = gcmDecrypt(key, wrapped.subarray(0, IV_BYTES), wrapped.subarray(IV_BYTES), WRAP_PLACE);
      if (!dataKey) throw refused(place, 'the key passphrase is not the one it was sealed with (pki.keyPassphrase, pki.keyPassphraseFile)');
      return dataKey;
    },
  };
}

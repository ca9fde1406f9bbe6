import { createHash } from 'node:crypto';

/** RFC 7292 §B.3: the purpose byte of a derived key. */
export const PKCS12_KDF_PURPOSE = { encryptionKey: 1, iv: 2, macKey: 3 } as const;

/** Digests the KDF is used with here: output length u and block length v in bytes (RFC 7292 §B.2). */
const DIGESTS = { sha256: { u: 32, v: 64 } } as const;

/** The password as a BMPString (UTF-16 big-endian) with its two zero bytes of termination (RFC 7292 §B.1). */
function bmpPassword(password: string): Buffer {
  const bytes = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) bytes.writeUInt16BE(password.charCodeAt(i), i * 2);
  return bytes;
}

/** `data` repeated to fill a whole number of v-byte blocks (empty stays empty). */
function fill(data: Buffer, v: number): Buffer {
  const length = v * Math.ceil(data.length / v);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = data[i % data.length] as number;
  return out;
}

/** I_j = (I_j + B + 1) mod 2^(8v), for each v-byte block I_j of I (RFC 7292 §B.2 step 6C). */
function addBlock(input: Buffer, b: Buffer, v: number): void {
  for (let start = 0; start < input.length; start += v) {
    let carry = 1;
    for (let k = v - 1; k >= 0; k--) {
      const sum = (input[start + k] as number) + (b[k] as number) + carry;
      input[start + k] = sum & 0xff;
      carry = sum >>> 8;
    }
  }
}

/**
 * The PKCS#12 key derivation of RFC 7292 Appendix B.2 (the one PKCS#12 MACs still use; keys themselves are shrouded
 * with PBES2). `n` bytes for `purpose`, from the password, the salt and `iterations` rounds of the digest.
 */
export function pkcs12Kdf(password: string, salt: Uint8Array, purpose: number, iterations: number, n: number, digest: keyof typeof DIGESTS = 'sha256'): Buffer {
  const { u, v } = DIGESTS[digest];
  const d = Buffer.alloc(v, purpose);
  const input = Buffer.concat([fill(Buffer.from(salt), v), fill(bmpPassword(password), v)]);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < n; produced += u) {
    let a = createHash(digest).update(d).update(input).digest();
    for (let r = 1; r < iterations; r++) a = createHash(digest).update(a).digest();
    blocks.push(a);
    addBlock(input, fill(a, v), v);
  }
  return Buffer.concat(blocks).subarray(0, n);
}

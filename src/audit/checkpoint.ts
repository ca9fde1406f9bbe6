import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/** Signs checkpoint statements with an Ed25519 key. */
export interface CheckpointSigner {
  readonly keyId: string;
  /** The SPKI PEM of the key, which verifies what it signs. */
  readonly publicKeyPem: string;
  sign(seq: number, hash: string): string;
  /** An Ed25519 signature over these exact bytes (a JWS signing input: never the prefix of a checkpoint statement). */
  signBytes(data: Uint8Array): Uint8Array;
}

/** The statement a checkpoint signs: the sequence number and the hash of that entry. */
export function checkpointStatement(seq: number, hash: string): Buffer {
  return Buffer.from(`muster-audit-checkpoint:v1:${seq}:${hash}`);
}

export function keyIdOf(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex').slice(0, 16);
}

export function signerFromPem(privatePem: string): CheckpointSigner {
  const privateKey = createPrivateKey(privatePem);
  const keyId = keyIdOf(createPublicKey(privateKey));
  return {
    keyId,
    publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
    signBytes: (data) => new Uint8Array(sign(null, data, privateKey)),
    sign: (seq, hash) => sign(null, checkpointStatement(seq, hash), privateKey).toString('base64'),
  };
}

export function publicPemOf(privatePem: string): string {
  return createPublicKey(createPrivateKey(privatePem)).export({ type: 'spki', format: 'pem' }).toString();
}

export function generateSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function verifyCheckpoint(publicPem: string, seq: number, hash: string, signatureB64: string): boolean {
  return verify(null, checkpointStatement(seq, hash), createPublicKey(publicPem), Buffer.from(signatureB64, 'base64'));
}

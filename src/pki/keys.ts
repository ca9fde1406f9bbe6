import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { AsnEcSignatureFormatter } from './x509.ts';
import { MusterError } from '../core/errors.ts';
import { OID } from './oids.ts';

type CryptoKey = webcrypto.CryptoKey;
const subtle = webcrypto.subtle;

export type CaKeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'rsa-2048' | 'rsa-3072';

/** A CA signing key: software (WebCrypto) today, PKCS#11 later. `sign` returns the X.509 signature value (DER for ECDSA). */
export interface CaKey {
  readonly algorithm: CaKeyAlgorithm;
  /** The X.509 signatureAlgorithm OID this key signs with. */
  readonly signatureOid: string;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  readonly publicKey: CryptoKey;
  /** True for an adopted root whose key stays offline: it never signs (so muster publishes no CRL for it). */
  readonly offline?: boolean;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

interface AlgorithmSpec {
  readonly generate: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams;
  readonly webSign: webcrypto.Algorithm | webcrypto.EcdsaParams;
  readonly signatureOid: string;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
const SPECS: Record<CaKeyAlgorithm, AlgorithmSpec> = {
  'ecdsa-p256': { generate: { name: 'ECDSA', namedCurve: 'P-256' }, webSign: { name: 'ECDSA', hash: 'SHA-256' }, signatureOid: OID.ecdsaWithSha256 },
  'ecdsa-p384': { generate: { name: 'ECDSA', namedCurve: 'P-384' }, webSign: { name: 'ECDSA', hash: 'SHA-384' }, signatureOid: OID.ecdsaWithSha384 },
  'rsa-2048': { generate: { ...RSA, modulusLength: 2048 }, webSign: { name: 'RSASSA-PKCS1-v1_5' }, signatureOid: OID.sha256WithRsa },
  'rsa-3072': { generate: { ...RSA, modulusLength: 3072 }, webSign: { name: 'RSASSA-PKCS1-v1_5' }, signatureOid: OID.sha256WithRsa },
};

/** A software CA key; the private key stays inside WebCrypto and leaves only encrypted (exportCaKeyPem). */
export interface SoftwareCaKey extends CaKey {
  readonly privateKey: CryptoKey;
}

async function fromPair(algorithm: CaKeyAlgorithm, privateKey: CryptoKey, publicKey: CryptoKey): Promise<SoftwareCaKey> {
  const spec = SPECS[algorithm];
  const spki = new Uint8Array(await subtle.exportKey('spki', publicKey));
  const sign = async (data: Uint8Array): Promise<Uint8Array> => {
    const raw = await subtle.sign(spec.webSign, privateKey, data as Uint8Array<ArrayBuffer>);
    if (spec.webSign.name !== 'ECDSA') return new Uint8Array(raw);
    const der = new AsnEcSignatureFormatter().toAsnSignature({ ...spec.webSign, ...spec.generate } as webcrypto.Algorithm, raw);
    if (!der) throw new MusterError('MUSTER_ERR_PKI_KEY', 'cannot encode the ECDSA signature');
    return new Uint8Array(der);
  };
  return { algorithm, signatureOid: spec.signatureOid, spki, publicKey, privateKey, sign };
}

export async function generateCaKey(algorithm: CaKeyAlgorithm): Promise<SoftwareCaKey> {
  const spec = SPECS[algorithm];
  if (!spec) throw new MusterError('MUSTER_ERR_PKI_KEY', `unsupported CA key algorithm ${String(algorithm)}`);
  const pair = (await subtle.generateKey(spec.generate, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return fromPair(algorithm, pair.privateKey, pair.publicKey);
}

/** The private key as PKCS#8 PEM encrypted with AES-256-CBC under the key-encryption passphrase. */
export async function exportCaKeyPem(key: SoftwareCaKey, passphrase: string): Promise<string> {
  if (passphrase.length < 8) throw new MusterError('MUSTER_ERR_PKI_KEY', 'the key-encryption passphrase must be at least 8 characters');
  const der = Buffer.from(await subtle.exportKey('pkcs8', key.privateKey));
  const keyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return keyObject.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase }) as string;
}

function decrypt(pem: string, passphrase: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (cause) {
    throw new MusterError(
      'MUSTER_ERR_PKI_KEY',
      'cannot decrypt the CA key: wrong key-encryption passphrase or damaged PEM',
      [{ key: 'keyEncryptionPassphrase', message: 'does not decrypt the CA key' }],
      { cause },
    );
  }
}

function algorithmOf(keyObject: KeyObject): CaKeyAlgorithm {
  const details = keyObject.asymmetricKeyDetails ?? {};
  const name =
    keyObject.asymmetricKeyType === 'ec'
      ? ({ prime256v1: 'ecdsa-p256', secp384r1: 'ecdsa-p384' } as Record<string, CaKeyAlgorithm>)[details.namedCurve ?? '']
      : keyObject.asymmetricKeyType === 'rsa'
        ? (`rsa-${details.modulusLength}` as CaKeyAlgorithm)
        : undefined;
  if (!name || !SPECS[name]) throw new MusterError('MUSTER_ERR_PKI_KEY', `unsupported CA key type ${keyObject.asymmetricKeyType}`);
  return name;
}

/** The CA key algorithm of a DER SubjectPublicKeyInfo (e.g. a CA certificate's), refused when muster cannot sign with it. */
export function caKeyAlgorithmOfSpki(spki: Uint8Array): CaKeyAlgorithm {
  return algorithmOf(createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }));
}

/** Reads an encrypted PKCS#8 PEM (from exportCaKeyPem) back into a WebCrypto key. */
export async function importCaKeyPem(pem: string, passphrase: string): Promise<SoftwareCaKey> {
  const keyObject = decrypt(pem, passphrase);
  const algorithm = algorithmOf(keyObject);
  const spec = SPECS[algorithm];
  const pkcs8 = keyObject.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(keyObject).export({ format: 'der', type: 'spki' });
  const privateKey = await subtle.importKey('pkcs8', pkcs8, spec.generate, true, ['sign']);
  const publicKey = await subtle.importKey('spki', spki, spec.generate, true, ['verify']);
  return fromPair(algorithm, privateKey, publicKey);
}

import { webcrypto } from 'node:crypto';
import { KeyType } from 'graphene-pk11';
import type { HsmSpec } from './algorithms.ts';
import { hsmError } from './errors.ts';
import type { TokenKeyPair } from './keypair.ts';
import { bitLength, curveOf, ecPoint, ecSpki, rsaSpki } from './spki.ts';

/** The public half of a token key as X.509 wants it. */
export interface ReadPublicKey {
  readonly spki: Uint8Array;
  readonly publicKey: webcrypto.CryptoKey;
}

function bytes(value: unknown): Uint8Array {
  return Buffer.isBuffer(value) ? new Uint8Array(value) : new Uint8Array(0);
}

function checkKeyType(pair: TokenKeyPair, spec: HsmSpec, label: string): void {
  const wanted = spec.kind === 'ec' ? KeyType.EC : KeyType.RSA;
  const actual = pair.privateKey.getAttribute({ keyType: null }).keyType;
  if (actual !== wanted) throw hsmError('algorithm', `the key "${label}" on the token is not an ${spec.kind.toUpperCase()} key, so it cannot be ${spec.algorithm}`);
}

function ecKeySpki(pair: TokenKeyPair, spec: HsmSpec & { kind: 'ec' }, label: string): Uint8Array {
  const attributes = pair.publicKey.getAttribute({ paramsEC: null, pointEC: null });
  // CKA_EC_PARAMS and CKA_ECDSA_PARAMS are one attribute; graphene reports it under the older name
  const curve = curveOf(bytes(attributes.paramsEC ?? attributes.paramsECDSA));
  if (curve !== spec.curveOid) throw hsmError('algorithm', `the key "${label}" on the token is on curve ${curve ?? 'unknown'}, not the one ${spec.algorithm} needs`);
  const point = ecPoint(bytes(attributes.pointEC), spec);
  if (!point) throw hsmError('keyLabel', `the public key "${label}" on the token has no readable uncompressed EC point`);
  return ecSpki(spec.curveOid, point);
}

function rsaKeySpki(pair: TokenKeyPair, spec: HsmSpec & { kind: 'rsa' }, label: string): Uint8Array {
  const attributes = pair.publicKey.getAttribute({ modulus: null, publicExponent: null });
  const modulus = bytes(attributes.modulus);
  const bits = bitLength(modulus);
  if (bits !== spec.modulusBits) throw hsmError('algorithm', `the key "${label}" on the token is RSA-${bits}, not ${spec.algorithm}`);
  return rsaSpki(modulus, bytes(attributes.publicExponent));
}

/** Builds the SPKI from the token's public key attributes and imports it for verification; refuses a key of another algorithm. */
export async function readPublicKey(pair: TokenKeyPair, spec: HsmSpec, label: string): Promise<ReadPublicKey> {
  checkKeyType(pair, spec, label);
  const spki = spec.kind === 'ec' ? ecKeySpki(pair, spec, label) : rsaKeySpki(pair, spec, label);
  try {
    const publicKey = await webcrypto.subtle.importKey('spki', spki, spec.webCrypto, true, ['verify']);
    return { spki, publicKey };
  } catch (cause) {
    throw hsmError('keyLabel', `the public key "${label}" on the token is not a valid ${spec.algorithm} key`, cause);
  }
}

import { ECParameters, id_ecPublicKey } from '@peculiar/asn1-ecc';
import { id_rsaEncryption, RSAPublicKey } from '@peculiar/asn1-rsa';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import type { HsmEcSpec } from './algorithms.ts';

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/** DER ECParameters naming a curve, as CKA_EC_PARAMS wants it. */
export function ecParameters(curveOid: string): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(new ECParameters({ namedCurve: curveOid })));
}

/** The named curve OID in a CKA_EC_PARAMS value, or undefined when it names none. */
export function curveOf(ecParams: Uint8Array): string | undefined {
  try {
    return AsnConvert.parse(ecParams, ECParameters).namedCurve;
  } catch {
    return undefined;
  }
}

/**
 * The uncompressed point from CKA_EC_POINT: PKCS#11 wraps it in a DER OCTET STRING, some tokens hand it
 * over bare. Returns undefined when it is neither for this curve.
 */
export function ecPoint(value: Uint8Array, spec: HsmEcSpec): Uint8Array | undefined {
  const length = 1 + 2 * spec.coordinateBytes;
  if (value.length === length && value[0] === 0x04) return value;
  try {
    const inner = new Uint8Array(AsnConvert.parse(value, OctetString).buffer);
    return inner.length === length && inner[0] === 0x04 ? inner : undefined;
  } catch {
    return undefined;
  }
}

/** DER SubjectPublicKeyInfo for an EC public key (id-ecPublicKey with the named curve). */
export function ecSpki(curveOid: string, point: Uint8Array): Uint8Array {
  const algorithm = new AlgorithmIdentifier({ algorithm: id_ecPublicKey, parameters: arrayBuffer(ecParameters(curveOid)) });
  return new Uint8Array(AsnConvert.serialize(new SubjectPublicKeyInfo({ algorithm, subjectPublicKey: arrayBuffer(point) })));
}

/** An unsigned big-endian number as the contents of a positive DER INTEGER (no extra zeros, a zero before a high bit). */
function positiveInteger(bytes: Uint8Array): ArrayBuffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const trimmed = bytes.subarray(start);
  if (((trimmed[0] ?? 0) & 0x80) === 0) return arrayBuffer(trimmed);
  const padded = new Uint8Array(trimmed.length + 1);
  padded.set(trimmed, 1);
  return padded.buffer;
}

/** DER SubjectPublicKeyInfo for an RSA public key (rsaEncryption, NULL parameters). */
export function rsaSpki(modulus: Uint8Array, publicExponent: Uint8Array): Uint8Array {
  const key = new RSAPublicKey({ modulus: positiveInteger(modulus), publicExponent: positiveInteger(publicExponent) });
  const algorithm = new AlgorithmIdentifier({ algorithm: id_rsaEncryption, parameters: null });
  return new Uint8Array(AsnConvert.serialize(new SubjectPublicKeyInfo({ algorithm, subjectPublicKey: AsnConvert.serialize(key) })));
}

/** The bit length of an unsigned big-endian modulus. */
export function bitLength(bytes: Uint8Array): number {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start += 1;
  const first = bytes[start];
  return first === undefined ? 0 : (bytes.length - start - 1) * 8 + (32 - Math.clz32(first));
}

import { id_secp256r1, id_secp384r1 } from '@peculiar/asn1-ecc';
import type { webcrypto } from 'node:crypto';
import type { CaKeyAlgorithm } from '../keys.ts';
import { OID } from '../oids.ts';
import { hsmError } from './errors.ts';

/** An EC key on the token: CKM_ECDSA over a digest computed in Node. */
export interface HsmEcSpec {
  readonly kind: 'ec';
  readonly algorithm: CaKeyAlgorithm;
  readonly curveOid: string;
  readonly coordinateBytes: number;
  readonly digest: 'sha256' | 'sha384';
  readonly signatureOid: string;
  readonly webCrypto: webcrypto.EcKeyImportParams & { readonly hash: string };
}

/** An RSA key on the token: CKM_SHA256_RSA_PKCS hashes on the token. */
export interface HsmRsaSpec {
  readonly kind: 'rsa';
  readonly algorithm: CaKeyAlgorithm;
  readonly modulusBits: number;
  readonly signatureOid: string;
  readonly webCrypto: webcrypto.RsaHashedImportParams;
}

export type HsmSpec = HsmEcSpec | HsmRsaSpec;

const RSA_IMPORT = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

const SPECS: Readonly<Record<CaKeyAlgorithm, HsmSpec>> = {
  'ecdsa-p256': {
    kind: 'ec',
    algorithm: 'ecdsa-p256',
    curveOid: id_secp256r1,
    coordinateBytes: 32,
    digest: 'sha256',
    signatureOid: OID.ecdsaWithSha256,
    webCrypto: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
  },
  'ecdsa-p384': {
    kind: 'ec',
    algorithm: 'ecdsa-p384',
    curveOid: id_secp384r1,
    coordinateBytes: 48,
    digest: 'sha384',
    signatureOid: OID.ecdsaWithSha384,
    webCrypto: { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' },
  },
  'rsa-2048': { kind: 'rsa', algorithm: 'rsa-2048', modulusBits: 2048, signatureOid: OID.sha256WithRsa, webCrypto: RSA_IMPORT },
  'rsa-3072': { kind: 'rsa', algorithm: 'rsa-3072', modulusBits: 3072, signatureOid: OID.sha256WithRsa, webCrypto: RSA_IMPORT },
};

/** How a CA key algorithm is generated, read and used on a PKCS#11 token; refuses anything else. */
export function hsmSpec(algorithm: CaKeyAlgorithm): HsmSpec {
  const spec = Object.hasOwn(SPECS, algorithm) ? SPECS[algorithm] : undefined;
  if (!spec) throw hsmError('algorithm', `unsupported CA key algorithm ${String(algorithm)} for a PKCS#11 key (supported: ${Object.keys(SPECS).join(', ')})`);
  return spec;
}

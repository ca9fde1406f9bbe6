import { createPublicKey } from 'node:crypto';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AsnConvert } from '@peculiar/asn1-schema';

/** FPKI Common Policy CP §6.1.5 (STANDARDS.md §12.2): subscriber keys are RSA 2048/3072/4096 or ECDSA P-256/P-384. */
export const ALLOWED_KEYS: ReadonlySet<string> = new Set(['rsa:2048', 'rsa:3072', 'rsa:4096', 'ec:prime256v1', 'ec:secp384r1']);
/** FIPS 186-5 §A.1.1 and SP 800-78-5: an RSA public exponent is odd and at least 65537 (2^16 + 1). */
export const MIN_RSA_EXPONENT = 65_537n;

const RSASSA_PSS = '1.2.840.113549.1.1.10';
const SHA256 = '2.16.840.1.101.3.4.2.1';
/** CP §7.1.3: sha256/384/512WithRSA, RSASSA-PSS with SHA-256, ecdsa-with-SHA256/384/512. SHA-1 is never accepted. */
const SIGNATURES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
};
const SHA1_SIGNATURES: ReadonlySet<string> = new Set(['1.2.840.113549.1.1.5', '1.2.840.10045.4.1', '1.3.14.3.2.29']);

export interface KeyFacts {
  /** e.g. `rsa:2048`, `ec:prime256v1`. */
  readonly kind: string;
  readonly type: string;
  readonly bits?: number;
  readonly exponent?: bigint;
}

/** What a DER SubjectPublicKeyInfo holds; throws when node cannot read it. */
export function keyFacts(spki: Uint8Array): KeyFacts {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails ?? {};
  const type = String(key.asymmetricKeyType);
  if (type !== 'rsa') return { kind: `${type}:${details.namedCurve}`, type };
  return { kind: `rsa:${details.modulusLength}`, type, bits: details.modulusLength as number, exponent: details.publicExponent as bigint };
}

/** Why a key is too weak or not allowed for a subscriber certificate, or undefined when it is allowed. */
export function keyWeakness(facts: KeyFacts): string | undefined {
  if (facts.type === 'rsa' && (facts.exponent === undefined || facts.exponent < MIN_RSA_EXPONENT || facts.exponent % 2n === 0n)) {
    return `the RSA public exponent ${facts.exponent} is below 65537 or even (FIPS 186-5 §A.1.1)`;
  }
  return ALLOWED_KEYS.has(facts.kind) ? undefined : `the key (${facts.kind}) is not RSA 2048/3072/4096 or ECDSA P-256/P-384 (FPKI CP §6.1.5)`;
}

/** FPKI CP §6.1.5 (STANDARDS.md §12.2): a certificate that expires after 2030-12-31 needs RSA of at least 3072 bits. */
export const RSA_2048_LAST_DAY = new Date('2030-12-31T23:59:59.999Z');

/** Why the key is too small for a certificate valid until `notAfter`, or undefined. */
export function keyLifetimeWeakness(facts: KeyFacts, notAfter: Date): string | undefined {
  if (facts.type !== 'rsa' || (facts.bits ?? 0) >= 3072 || notAfter <= RSA_2048_LAST_DAY) return undefined;
  return `an RSA ${facts.bits} key may not be certified past 2030-12-31 (this certificate would end ${notAfter.toISOString()}); RSA 3072 or more is required (FPKI CP §6.1.5)`;
}

/** Why a signature algorithm is not allowed (SHA-1, PSS other than SHA-256, anything unknown), or undefined. */
export function signatureWeakness(oid: string, parameters?: ArrayBuffer | null): string | undefined {
  if (SHA1_SIGNATURES.has(oid)) return `the signature algorithm ${oid} uses SHA-1, which is not accepted (FPKI CP §7.1.3)`;
  if (SIGNATURES[oid]) return undefined;
  if (oid === RSASSA_PSS && parameters && pssHash(parameters) === SHA256) return undefined;
  return `the signature algorithm ${oid} is not sha256/384/512 with RSA, RSASSA-PSS with SHA-256 or ECDSA with SHA-256/384/512 (FPKI CP §7.1.3)`;
}

function pssHash(parameters: ArrayBuffer): string | undefined {
  try {
    return AsnConvert.parse(parameters, RsaSaPssParams).hashAlgorithm.algorithm;
  } catch {
    return undefined;
  }
}

import { BasicConstraints, KeyUsage, KeyUsageFlags } from '@peculiar/asn1-x509';
import { keyFacts, MIN_RSA_EXPONENT } from '../key-strength.ts';
import { namesEqual } from './names.ts';
import { getExtension, type ParsedCert } from './parsed.ts';

/** Certificate extensions this validator processes; any other critical extension fails the path. */
const KNOWN_EXTENSIONS = new Set(['2.5.29.14', '2.5.29.15', '2.5.29.17', '2.5.29.19', '2.5.29.30', '2.5.29.32', '2.5.29.33', '2.5.29.35', '2.5.29.36', '2.5.29.37', '2.5.29.54']);
const DSA_SIGNATURES = new Set(['1.2.840.10040.4.3', '2.16.840.1.101.3.4.3.1', '2.16.840.1.101.3.4.3.2']);

export function isSelfIssued(cert: ParsedCert): boolean {
  return namesEqual(cert.tbs.subject, cert.tbs.issuer);
}

/** §6.1.3 (a)(1)–(2) and (a)(4): signature by the working key, validity at `time`, issuer name chaining. */
export async function checkBasics(cert: ParsedCert, issuer: ParsedCert, time: Date): Promise<string | undefined> {
  if (DSA_SIGNATURES.has(cert.sigAlg)) return 'unsupported signature algorithm (DSA)';
  const ok = await cert.cert.verify({ publicKey: issuer.cert, signatureOnly: true }).catch(() => false);
  if (!ok) return 'bad signature';
  if (time < cert.cert.notBefore) return 'certificate is not yet valid';
  if (time > cert.cert.notAfter) return 'certificate has expired';
  if (!namesEqual(cert.tbs.issuer, issuer.tbs.subject)) return 'issuer name does not chain';
  return undefined;
}

/** RFC 5280 §4.2: a certificate MUST NOT include more than one instance of a particular extension. */
export function duplicateExtension(cert: ParsedCert): string | undefined {
  const seen = new Set<string>();
  for (const { extnID } of cert.tbs.extensions ?? []) {
    if (seen.has(extnID)) return `extension ${extnID} appears more than once (RFC 5280 §4.2)`;
    seen.add(extnID);
  }
  return undefined;
}

const MIN_RSA_BITS = 2048;

/** FPKI CP §6.1.5 and SP 800-131A: RSA keys of at least 2048 bits; FIPS 186-5 §A.1.1: an odd public exponent of at least 65537. */
export function weakKey(cert: ParsedCert): string | undefined {
  let facts: ReturnType<typeof keyFacts>;
  try {
    facts = keyFacts(new Uint8Array(cert.cert.publicKey.rawData));
  } catch {
    return undefined; // a key node cannot read fails at the signature check of the next certificate, or is DSA (unsupported)
  }
  if (facts.type !== 'rsa') return undefined;
  if ((facts.bits ?? 0) < MIN_RSA_BITS) return `weak key: RSA ${facts.bits} bits, below ${MIN_RSA_BITS} (FPKI CP §6.1.5, SP 800-131A)`;
  const e = facts.exponent;
  if (e === undefined || e < MIN_RSA_EXPONENT || e % 2n === 0n) return `weak key: RSA public exponent ${e}, below 65537 or even (FIPS 186-5 §A.1.1)`;
  return undefined;
}

export function unknownCriticalExtension(cert: ParsedCert): string | undefined {
  const unknown = [...cert.exts.values()].find((e) => e.critical && !KNOWN_EXTENSIONS.has(e.extnID));
  return unknown ? `unknown critical extension ${unknown.extnID}` : undefined;
}

/** §6.1.4 (k)–(n) for an intermediate; returns the new max_path_length or a failure reason. */
export function checkCa(cert: ParsedCert, maxPathLength: number): { reason?: string; maxPathLength: number } {
  const bc = getExtension(cert, '2.5.29.19', BasicConstraints);
  if (!bc?.cA) return { reason: 'intermediate certificate is not a CA', maxPathLength };
  let max = maxPathLength;
  if (!isSelfIssued(cert)) {
    if (max <= 0) return { reason: 'path length constraint exceeded', maxPathLength };
    max--;
  }
  if (bc.pathLenConstraint !== undefined && bc.pathLenConstraint < max) max = bc.pathLenConstraint;
  const ku = getExtension(cert, '2.5.29.15', KeyUsage);
  if (ku && (ku.toNumber() & KeyUsageFlags.keyCertSign) === 0) return { reason: 'CA key usage lacks keyCertSign', maxPathLength };
  return { maxPathLength: max };
}

import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import { MusterError } from '../core/errors.ts';
import { keyFacts, keyWeakness, signatureWeakness } from './key-strength.ts';
import { Pkcs10CertificateRequest } from './x509.ts';

export const MAX_CSR_BYTES = 16 * 1024;

function refuse(field: string, message: string, cause?: unknown): MusterError {
  return new MusterError('MUSTER_ERR_PKI_CSR', message, [{ field, message }], cause === undefined ? undefined : { cause });
}

function parse(input: string | Uint8Array, field: string): Pkcs10CertificateRequest {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > MAX_CSR_BYTES) throw refuse(field, `the CSR is ${size} bytes; at most ${MAX_CSR_BYTES} are accepted`);
  try {
    return new Pkcs10CertificateRequest(typeof input === 'string' ? input : input.slice());
  } catch (cause) {
    throw refuse(field, 'the CSR is not a PKCS#10 request', cause);
  }
}

function checkKey(spki: Uint8Array, field: string): void {
  let weakness: string | undefined;
  try {
    weakness = keyWeakness(keyFacts(spki));
  } catch (cause) {
    throw refuse(field, 'the CSR public key cannot be read', cause);
  }
  if (weakness) throw refuse(field, `the CSR key is refused: ${weakness}`);
}

function checkSignatureAlgorithm(request: Pkcs10CertificateRequest, field: string): void {
  const algorithm = AsnConvert.parse(request.rawData, CertificationRequest).signatureAlgorithm;
  const weakness = signatureWeakness(algorithm.algorithm, algorithm.parameters);
  if (weakness) throw refuse(field, `the CSR self-signature is refused: ${weakness}`);
}

/**
 * Reads a PEM or DER PKCS#10 request, refuses oversized ones, keys other than RSA 2048/3072/4096 (exponent at least
 * 65537) and ECDSA P-256/P-384, self-signatures with SHA-1 or another algorithm outside FPKI CP §7.1.3, and bad
 * self-signatures. `field` names the request field in the refusal. Returns only the public key: requested names and
 * extensions are ignored.
 */
export async function readCsr(input: string | Uint8Array, field = 'csr'): Promise<{ readonly spki: Uint8Array }> {
  const request = parse(input, field);
  const spki = new Uint8Array(request.publicKey.rawData);
  checkKey(spki, field);
  checkSignatureAlgorithm(request, field);
  let valid = false;
  try {
    valid = await request.verify();
  } catch (cause) {
    throw refuse(field, 'the CSR signature cannot be verified', cause);
  }
  if (!valid) throw refuse(field, 'the CSR self-signature does not verify');
  return { spki };
}

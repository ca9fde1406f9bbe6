import { createPublicKey } from 'node:crypto';
import { MusterError } from '../core/errors.ts';
import { Pkcs10CertificateRequest } from './x509.ts';

export const MAX_CSR_BYTES = 16 * 1024;
const ALLOWED = new Set(['rsa:2048', 'rsa:3072', 'ec:prime256v1', 'ec:secp384r1']);

function refuse(message: string, cause?: unknown): MusterError {
  return new MusterError('MUSTER_ERR_PKI_CSR', message, [{ field: 'csr', message }], cause === undefined ? undefined : { cause });
}

function parse(input: string | Uint8Array): Pkcs10CertificateRequest {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > MAX_CSR_BYTES) throw refuse(`the CSR is ${size} bytes; at most ${MAX_CSR_BYTES} are accepted`);
  try {
    return new Pkcs10CertificateRequest(typeof input === 'string' ? input : input.slice());
  } catch (cause) {
    throw refuse('the CSR is not a PKCS#10 request', cause);
  }
}

function keyKind(spki: Uint8Array): string {
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    const details = key.asymmetricKeyDetails ?? {};
    return `${key.asymmetricKeyType}:${key.asymmetricKeyType === 'ec' ? details.namedCurve : details.modulusLength}`;
  } catch (cause) {
    throw refuse('the CSR public key cannot be read', cause);
  }
}

/**
 * Reads a PEM or DER PKCS#10 request, refuses oversized ones, keys other than RSA 2048/3072 and ECDSA P-256/P-384,
 * and bad self-signatures. Returns only the public key: requested names and extensions are ignored.
 */
export async function readCsr(input: string | Uint8Array): Promise<{ readonly spki: Uint8Array }> {
  const request = parse(input);
  const spki = new Uint8Array(request.publicKey.rawData);
  const kind = keyKind(spki);
  if (!ALLOWED.has(kind)) throw refuse(`the CSR key (${kind}) is not RSA 2048/3072 or ECDSA P-256/P-384`);
  let valid = false;
  try {
    valid = await request.verify();
  } catch (cause) {
    throw refuse('the CSR signature cannot be verified', cause);
  }
  if (!valid) throw refuse('the CSR self-signature does not verify');
  return { spki };
}

import { createHash } from 'node:crypto';
import type { PathValidationResult } from '../../../pki/path/validate.ts';
import { X509Certificate } from '../../../pki/x509.ts';
import { LruMap } from '../../lru.ts';

/**
 * What certificate sign-ins keep of the certificates they have seen, by the SHA-256 of their DER: each certificate
 * parsed once, and the verdict of a valid path from muster's issuing CA to it. Both follow from the bytes alone (and,
 * for a verdict, the time, kept as the window the path is valid in); the revocation status, the credential and the
 * identity behind a certificate are read live at every sign-in (own-certificate.ts), so a revocation, a hold or a
 * termination recorded by any process counts at the next sign-in.
 */
const PARSED_LIMIT = 1024;
const VERDICT_LIMIT = 16_384;

const parsed = new LruMap<string, X509Certificate>(PARSED_LIMIT);
/** A valid path's verdict, by `<anchor digest>:<leaf digest>`, with the times (ms) between which it holds. */
const verdicts = new LruMap<string, { readonly from: number; readonly until: number; readonly result: PathValidationResult }>(VERDICT_LIMIT);
const digests = new WeakMap<X509Certificate, string>();

const digestOfDer = (der: Uint8Array): string => createHash('sha256').update(der).digest('base64url');

function digestOf(certificate: X509Certificate): string {
  let digest = digests.get(certificate);
  if (digest === undefined) {
    digest = digestOfDer(new Uint8Array(certificate.rawData));
    digests.set(certificate, digest);
  }
  return digest;
}

/** The certificate of `der`, parsed once for all the sign-ins that present it; a parse failure throws as the constructor does. */
export function parsedCertificate(der: Uint8Array): X509Certificate {
  const key = digestOfDer(der);
  const known = parsed.get(key);
  if (known) return known;
  const certificate = new X509Certificate(der);
  digests.set(certificate, key);
  parsed.set(key, certificate);
  return certificate;
}

/**
 * The verdict on the path `anchor` → `path` at `time`: a valid one found earlier for the same certificates while
 * `time` is within every certificate's validity, else `validate()`'s, kept when valid. Only for paths whose verdict
 * depends on nothing else: the caller's revocation check must come before (a path is cached as valid only when its
 * certificates were not revoked, and is reused only after the caller has found them still not revoked).
 */
export async function pathVerdict(anchor: X509Certificate, path: readonly X509Certificate[], time: Date, validate: () => Promise<PathValidationResult>): Promise<PathValidationResult> {
  const key = [anchor, ...path].map(digestOf).join(':');
  const at = time.getTime();
  const known = verdicts.get(key);
  if (known && known.from <= at && at <= known.until) return known.result;
  const result = await validate();
  if (result.valid) {
    const from = Math.max(...path.map((c) => c.notBefore.getTime()));
    const until = Math.min(...path.map((c) => c.notAfter.getTime()));
    verdicts.set(key, { from, until, result: Object.freeze({ ...result, ...(result.userConstrainedPolicySet ? { userConstrainedPolicySet: [...result.userConstrainedPolicySet] } : {}) }) });
  }
  return result;
}

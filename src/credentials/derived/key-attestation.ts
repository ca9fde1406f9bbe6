import { MusterError } from '../../core/errors.ts';
import { X509Certificate } from '../../pki/x509.ts';
import { attestationChainsToAnchor } from './webauthn/trust.ts';

/** A device's key attestation: a certificate over the key (e.g. a PIV slot attestation), then its intermediates. */
export interface KeyAttestation {
  /** PEM or base64 DER of the attestation certificate, whose public key is the CSR's key. */
  readonly certificate: string;
  /** PEM or base64 DER intermediates up to (not including) a configured attestation root. */
  readonly chain?: readonly string[];
}

/** Whether the key is proven to be in hardware, and why not. */
export type HardwareVerdict = { readonly hardware: true; readonly attestedBy: string } | { readonly hardware: false; readonly reason: string };

const MAX_CERT_CHARS = 16_384;
const MAX_CHAIN = 4;

function refuse(message: string, cause?: unknown): MusterError {
  return new MusterError('MUSTER_ERR_DERIVED_BINDING', `binding refused: ${message}`, [{ field: 'keyAttestation', message }], cause ? { cause } : undefined);
}

function parse(text: unknown): X509Certificate {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_CERT_CHARS) throw refuse('each attestation certificate is a PEM or base64 DER certificate of at most 16 KiB');
  try {
    return new X509Certificate(text.includes('-----BEGIN') ? text : Buffer.from(text, 'base64'));
  } catch (cause) {
    throw refuse('an attestation certificate is not an X.509 certificate', cause);
  }
}

/**
 * SP 800-157r1 §3.1.1 / CP: `.41` (id-fpki-common-derived-pivAuth-hardware) needs the key proven to be in hardware.
 * The proof is a key attestation whose certificate holds the CSR's key and chains to a configured attestation root
 * (credentials.keyAttestationRoots). A request that only claims hardware gets `hardware: false` with the reason; an
 * attestation that is presented but unreadable, over another key or not chaining to a root is refused.
 */
export async function verifyKeyAttestation(attestation: KeyAttestation | undefined, spki: Uint8Array, roots: readonly string[], now: Date): Promise<HardwareVerdict> {
  if (!attestation) return { hardware: false, reason: 'no key attestation was presented' };
  if (roots.length === 0) return { hardware: false, reason: 'no key attestation roots are configured (credentials.keyAttestationRoots)' };
  const chain = attestation.chain ?? [];
  if (!Array.isArray(chain) || chain.length > MAX_CHAIN) throw refuse(`the attestation chain holds at most ${MAX_CHAIN} certificates`);
  const certificates = [parse(attestation.certificate), ...chain.map(parse)];
  const attested = certificates[0] as X509Certificate;
  if (!Buffer.from(attested.publicKey.rawData).equals(Buffer.from(spki))) throw refuse('the attestation certificate is over another key than the CSR');
  const trusted = await attestationChainsToAnchor(
    certificates.map((c) => new Uint8Array(c.rawData)),
    roots,
    now,
  );
  if (!trusted) throw refuse('the key attestation does not chain to a configured attestation root, or a certificate of it is not valid now');
  return { hardware: true, attestedBy: attested.issuer };
}

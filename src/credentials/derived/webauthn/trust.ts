import { MusterError } from '../../../core/errors.ts';
import { BasicConstraintsExtension, X509Certificate } from '../../../pki/x509.ts';

function current(cert: X509Certificate, time: Date): boolean {
  return cert.notBefore <= time && time <= cert.notAfter;
}

function isCa(cert: X509Certificate): boolean {
  return cert.getExtension(BasicConstraintsExtension)?.ca === true;
}

async function signs(issuer: X509Certificate, cert: X509Certificate): Promise<boolean> {
  if (issuer.subject !== cert.issuer) return false;
  return cert.verify({ publicKey: issuer.publicKey, signatureOnly: true }).catch(() => false);
}

/**
 * A trust anchor is a name and a key (RFC 5280 §6.1.1 d): it vouches for a certificate it is, or one issued
 * in its name and signed with its key. So a self-signed attestation certificate configured as an anchor
 * also covers re-issues of itself (same name and key), which some authenticators sign per registration.
 */
async function anchored(anchors: readonly X509Certificate[], cert: X509Certificate): Promise<boolean> {
  for (const anchor of anchors) {
    if (anchor.equal(cert) || (await signs(anchor, cert))) return true;
  }
  return false;
}

async function issuerAmong(candidates: readonly X509Certificate[], cert: X509Certificate): Promise<X509Certificate | undefined> {
  for (const candidate of candidates) {
    if (isCa(candidate) && (await signs(candidate, cert))) return candidate;
  }
  return undefined;
}

function parseAnchor(pem: string, index: number): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    const message = 'not a PEM certificate';
    throw new MusterError('MUSTER_ERR_CONFIG', `attestationRoots[${index}]: ${message}`, [{ key: `attestationRoots[${index}]`, message }], { cause: error });
  }
}

function parseAnchors(pems: readonly string[], time: Date): X509Certificate[] {
  return pems.map(parseAnchor).filter((anchor) => current(anchor, time));
}

/**
 * Whether an attestation statement's x5c (attestation certificate first, then intermediates) chains
 * to one of the configured PEM anchors at `time`: names chain, each signature verifies, every
 * certificate is within its validity, intermediates are CAs, and the last one is vouched for by an anchor
 * (see {@link anchored}). Revocation is not checked: nothing is downloaded at run time.
 * @throws MusterError MUSTER_ERR_CONFIG when an anchor is not a certificate.
 */
export async function attestationChainsToAnchor(x5c: readonly Uint8Array[], anchorPems: readonly string[], time: Date): Promise<boolean> {
  const anchors = parseAnchors(anchorPems, time);
  const chain = x5c.map((der) => new X509Certificate(new Uint8Array(der)));
  if (chain.length === 0 || anchors.length === 0 || !chain.every((cert) => current(cert, time))) return false;
  const remaining = chain.slice(1);
  let cert = chain[0] as X509Certificate;
  for (;;) {
    if (await anchored(anchors, cert)) return true;
    const issuer = await issuerAmong(remaining, cert);
    if (!issuer) return false;
    remaining.splice(remaining.indexOf(issuer), 1);
    cert = issuer;
  }
}

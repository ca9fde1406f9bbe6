import { OID } from '../../../pki/oids.ts';
import { type EndEntityUsage, validatePath, type PathValidationResult, type RevocationStatus } from '../../../pki/path/validate.ts';
import type { X509Certificate, X509Crl } from '../../../pki/x509.ts';

/** Certificate policies a sign-in certificate must chain under: PIV Authentication and Derived PIV Authentication. */
export const AUTHENTICATION_POLICIES: readonly string[] = [OID.policyCommonAuthentication, OID.policyDerivedPivAuth, OID.policyDerivedPivAuthHardware];

/**
 * What a sign-in certificate must be good for (STANDARDS.md §12.2, §12.4): client authentication, which every PIV
 * Authentication and Derived PIV Authentication certificate carries; never id-PIV-cardAuth (a card, not a person) or
 * anyExtendedKeyUsage; and EKU present on certificates valid from 2019-06-30 on (FPKI CP §6.1.7).
 */
export const SIGN_IN_USAGE: EndEntityUsage = {
  anyOf: [OID.ekuClientAuth],
  forbidden: [OID.pivCardAuth, OID.ekuAny],
  requiredFrom: new Date('2019-06-30T00:00:00Z'),
};

const MAX_DEPTH = 6;

async function signs(issuer: X509Certificate, certificate: X509Certificate): Promise<boolean> {
  if (issuer.subject !== certificate.issuer) return false;
  return certificate.verify({ publicKey: issuer.publicKey, signatureOnly: true }).catch(() => false);
}

async function anchorOf(certificate: X509Certificate, anchors: readonly X509Certificate[]): Promise<X509Certificate | undefined> {
  for (const anchor of anchors) if (await signs(anchor, certificate)) return anchor;
  return undefined;
}

/**
 * A path from a configured anchor to the leaf through the certificates the client sent: intermediates in order from
 * the anchor, the leaf last. Undefined when no anchor is reached.
 */
export async function buildPath(
  leaf: X509Certificate,
  offered: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
): Promise<{ anchor: X509Certificate; path: X509Certificate[] } | undefined> {
  const path = [leaf];
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const top = path[0]!;
    const anchor = await anchorOf(top, anchors);
    if (anchor) return { anchor, path };
    let next: X509Certificate | undefined;
    for (const candidate of offered) if (!path.some((p) => p.equal(candidate)) && (await signs(candidate, top))) next = candidate;
    if (!next) return undefined;
    path.unshift(next);
  }
  return undefined;
}

/** Where the revocation status of a sign-in path comes from: the CRLs of another agency's path, or muster's own records. */
export type PathRevocation = readonly X509Crl[] | { readonly revocationStatus: RevocationStatus };

/** RFC 5280 path validation under the authentication policies, with the CRLs or status look-up given, for a sign-in (SIGN_IN_USAGE). */
export function validateAuthenticationPath(anchor: X509Certificate, path: readonly X509Certificate[], revocation: PathRevocation, time: Date): Promise<PathValidationResult> {
  return validatePath({
    anchor,
    path,
    ...('revocationStatus' in revocation ? { crls: [], revocationStatus: revocation.revocationStatus } : { crls: revocation }),
    time,
    initialPolicySet: [...AUTHENTICATION_POLICIES],
    initialExplicitPolicy: true,
    initialPolicyMappingInhibit: false,
    initialInhibitAnyPolicy: true,
    endEntity: SIGN_IN_USAGE,
  });
}

import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { MusterError, type ErrorDetail } from '../core/errors.ts';
import { OID } from './oids.ts';
import type { CertificateProfile, PolicyContext } from './profiles.ts';
import { CertificatePolicyExtension, CRLDistributionPointsExtension, ExtendedKeyUsageExtension, KeyUsagesExtension, type Extension, type X509Certificate } from './x509.ts';

const DAY_MS = 86_400_000;

export interface CheckContext extends PolicyContext {
  /** The card's expiry; required for card-bound profiles. */
  readonly notAfterLimit?: Date;
}

type Rule = (cert: X509Certificate, profile: CertificateProfile, context: CheckContext) => string | undefined;

function ext(cert: X509Certificate, oid: string): Extension | undefined {
  return cert.extensions.find((e) => e.type === oid);
}

function generalNames(cert: X509Certificate, oid: string): asn.GeneralName[] {
  const found = ext(cert, oid);
  return found ? [...AsnConvert.parse(found.value, asn.GeneralNames)] : [];
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

const RULES: Record<string, Rule> = {
  policies: (cert, profile, ctx) => {
    const found = ext(cert, OID.extCertificatePolicies) as CertificatePolicyExtension | undefined;
    return found && sameSet(found.policies, profile.policies(ctx)) ? undefined : `certificatePolicies must be exactly ${profile.policies(ctx).join(', ')}`;
  },
  keyUsage: (cert, profile) => {
    const found = ext(cert, OID.extKeyUsage) as KeyUsagesExtension | undefined;
    return found?.critical && found.usages === profile.keyUsage ? undefined : 'keyUsage must be critical and exactly as the profile says';
  },
  extKeyUsage: (cert, { eku }) => {
    const found = ext(cert, OID.extExtKeyUsage) as ExtendedKeyUsageExtension | undefined;
    if (!found || found.critical !== eku.critical) return `extKeyUsage must be present and ${eku.critical ? '' : 'non-'}critical`;
    const usages = found.usages.map(String);
    if (!eku.usages.every((u) => usages.includes(u))) return `extKeyUsage must include ${eku.usages.join(', ')}`;
    if (eku.exclusive && usages.length !== eku.usages.length) return `extKeyUsage must be only ${eku.usages.join(', ')}`;
    return usages.some((u) => eku.forbidden.includes(u)) ? 'extKeyUsage holds a usage the profile forbids' : undefined;
  },
  validity: (cert, profile) => {
    const days = (cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY_MS;
    return days <= profile.maxValidityDays ? undefined : `validity of ${Math.ceil(days)} days exceeds ${profile.maxValidityDays}`;
  },
  cardExpiry: (cert, profile, ctx) => {
    if (!profile.cardBound) return undefined;
    if (!ctx.notAfterLimit) return 'the card expiry (notAfterLimit) is required';
    return cert.notAfter <= ctx.notAfterLimit ? undefined : 'notAfter is past the card expiry';
  },
  fascn: (cert, profile) => {
    if (!profile.san.fascn) return undefined;
    const other = generalNames(cert, OID.extSubjectAltName).find((n) => n.otherName?.typeId === OID.pivFascn)?.otherName;
    return other && fascnLength(other.value) === 25 ? undefined : 'subjectAltName must hold the 25-byte pivFASC-N otherName';
  },
  uuid: (cert, profile) => {
    if (profile.san.uuid === 'none') return undefined;
    const ok = generalNames(cert, OID.extSubjectAltName).some((n) => /^urn:uuid:[0-9a-f-]{36}$/.test(n.uniformResourceIdentifier ?? ''));
    return ok ? undefined : 'subjectAltName must hold a urn:uuid: URI';
  },
  revocationPointers: (cert, profile) => {
    if (!profile.revocationPointers) return undefined;
    const urls = [...crlNames(cert), ...aiaNames(cert)].map((n) => n.uniformResourceIdentifier ?? '');
    return urls.length >= 3 && urls.every((u) => u.startsWith('http://')) ? undefined : 'AIA (caIssuers, OCSP) and CRL DP must be http URIs';
  },
  ocspNoCheck: (cert, profile) => (!profile.ocspNoCheck || ext(cert, OID.ocspNoCheck) ? undefined : 'id-pkix-ocsp-nocheck is required'),
  keyIdentifiers: (cert) => (ext(cert, OID.extSubjectKeyIdentifier) && ext(cert, OID.extAuthorityKeyIdentifier) ? undefined : 'SKI and AKI are required'),
};

function fascnLength(value: ArrayBuffer): number {
  try {
    return AsnConvert.parse(value, OctetString).byteLength;
  } catch {
    return -1;
  }
}

function crlNames(cert: X509Certificate): asn.GeneralName[] {
  const found = ext(cert, OID.extCrlDistributionPoints) as CRLDistributionPointsExtension | undefined;
  return found ? found.distributionPoints.flatMap((dp) => [...(dp.distributionPoint?.fullName ?? [])]) : [];
}

function aiaNames(cert: X509Certificate): asn.GeneralName[] {
  const found = ext(cert, OID.extAuthorityInfoAccess);
  return found ? [...AsnConvert.parse(found.value, asn.AuthorityInfoAccessSyntax)].map((d) => d.accessLocation) : [];
}

/** Refuses (MUSTER_ERR_PKI_PROFILE, one detail per broken rule) a certificate that breaks its profile. */
export function checkProfile(cert: X509Certificate, profile: CertificateProfile, context: CheckContext): void {
  const details: ErrorDetail[] = [];
  for (const [rule, check] of Object.entries(RULES)) {
    const message = check(cert, profile, context);
    if (message) details.push({ field: rule, message });
  }
  if (details.length > 0) {
    throw new MusterError('MUSTER_ERR_PKI_PROFILE', `the certificate breaks the ${profile.name} profile: ${details.map((d) => d.field).join(', ')}`, details);
  }
}

import { ExtendedKeyUsage } from '@peculiar/asn1-x509';
import { getExtension, type ParsedCert } from './parsed.ts';

const EKU = '2.5.29.37';

/**
 * What the end entity must be good for, beyond RFC 5280 §6.1 (which does not look at extended key usage): the
 * purposes of which one must be present (§4.2.1.12), those that disqualify it, and since when EKU is mandatory.
 */
export interface EndEntityUsage {
  /** Extended key usages of which at least one must be present, e.g. id-kp-clientAuth for a sign-in. */
  readonly anyOf: readonly string[];
  /** Extended key usages that disqualify the certificate, e.g. id-PIV-cardAuth or anyExtendedKeyUsage for a person's sign-in. */
  readonly forbidden: readonly string[];
  /** A certificate valid from this date on must carry EKU (FPKI CP §6.1.7: subscriber certificates after 2019-06-30); absent: EKU may be absent. */
  readonly requiredFrom?: Date;
}

/** Why the end entity's extended key usage does not fit the purpose, or undefined when it does. */
export function endEntityUsageFailure(cert: ParsedCert, usage: EndEntityUsage): string | undefined {
  const eku = getExtension(cert, EKU, ExtendedKeyUsage);
  if (!eku) {
    const required = usage.requiredFrom && cert.cert.notBefore >= usage.requiredFrom;
    return required ? `no extended key usage, which a subscriber certificate valid from ${usage.requiredFrom?.toISOString().slice(0, 10)} on must carry (FPKI CP §6.1.7)` : undefined;
  }
  const purposes = eku.map(String);
  const forbidden = purposes.find((p) => usage.forbidden.includes(p));
  if (forbidden) return `extended key usage ${forbidden} is not permitted for this purpose (FPKI PIV Authentication profile; RFC 5280 §4.2.1.12)`;
  if (!purposes.some((p) => usage.anyOf.includes(p))) {
    return `extended key usage ${purposes.join(', ')} does not permit ${usage.anyOf.join(' or ')} (RFC 5280 §4.2.1.12)`;
  }
  return undefined;
}

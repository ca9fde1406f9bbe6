import { OID } from './oids.ts';
import { KeyUsageFlags } from './x509.ts';

export type ProfileName = 'piv-auth' | 'card-auth' | 'derived-piv-auth' | 'ocsp-responder';

export interface PolicyContext {
  readonly hardwareBacked: boolean;
  /** The policies the issuing CA asserts (a delegated OCSP responder asserts all of them). */
  readonly issuerPolicies: readonly string[];
}

/** One certificate kind of the Federal PKI profile (STANDARDS.md §3.4, §12.2–12.6); both issuance and the checker read it. */
export interface CertificateProfile {
  readonly name: ProfileName;
  readonly policies: (context: PolicyContext) => readonly string[];
  readonly keyUsage: number;
  readonly eku: { readonly usages: readonly string[]; readonly critical: boolean; readonly exclusive: boolean; readonly forbidden: readonly string[] };
  readonly maxValidityDays: number;
  /** notAfter must not pass the card's expiry (notAfterLimit is then required). */
  readonly cardBound: boolean;
  readonly san: { readonly fascn: boolean; readonly uuid: 'card' | 'per-certificate' | 'none' };
  /** caIssuers + OCSP in AIA, and a CRL distribution point, all over http. */
  readonly revocationPointers: boolean;
  readonly ocspNoCheck: boolean;
}

const NOT_FOR_AUTH = [OID.pivCardAuth, OID.ekuAny, OID.ekuCodeSigning];

const pivAuth: CertificateProfile = {
  name: 'piv-auth',
  policies: () => [OID.policyCommonAuthentication],
  keyUsage: KeyUsageFlags.digitalSignature,
  eku: { usages: [OID.ekuClientAuth, OID.ekuSmartCardLogon, OID.ekuPkinitClientAuth], critical: false, exclusive: false, forbidden: NOT_FOR_AUTH },
  maxValidityDays: 1096,
  cardBound: true,
  san: { fascn: true, uuid: 'card' },
  revocationPointers: true,
  ocspNoCheck: false,
};

const cardAuth: CertificateProfile = {
  name: 'card-auth',
  policies: () => [OID.policyCommonCardAuth],
  keyUsage: KeyUsageFlags.digitalSignature,
  eku: { usages: [OID.pivCardAuth], critical: true, exclusive: true, forbidden: [] },
  maxValidityDays: 1096,
  cardBound: true,
  san: { fascn: true, uuid: 'card' },
  revocationPointers: true,
  ocspNoCheck: false,
};

const derivedPivAuth: CertificateProfile = {
  name: 'derived-piv-auth',
  policies: ({ hardwareBacked }) => [hardwareBacked ? OID.policyDerivedPivAuthHardware : OID.policyDerivedPivAuth],
  keyUsage: KeyUsageFlags.digitalSignature,
  eku: { usages: [OID.ekuClientAuth], critical: false, exclusive: false, forbidden: [...NOT_FOR_AUTH, OID.ekuServerAuth] },
  maxValidityDays: 1096,
  cardBound: false,
  san: { fascn: false, uuid: 'per-certificate' },
  revocationPointers: true,
  ocspNoCheck: false,
};

const ocspResponder: CertificateProfile = {
  name: 'ocsp-responder',
  policies: ({ issuerPolicies }) => issuerPolicies,
  keyUsage: KeyUsageFlags.digitalSignature,
  eku: { usages: [OID.ekuOcspSigning], critical: true, exclusive: true, forbidden: [] },
  maxValidityDays: 120,
  cardBound: false,
  san: { fascn: false, uuid: 'none' },
  revocationPointers: false,
  ocspNoCheck: true,
};

export const PROFILES: Readonly<Record<ProfileName, CertificateProfile>> = {
  'piv-auth': pivAuth,
  'card-auth': cardAuth,
  'derived-piv-auth': derivedPivAuth,
  'ocsp-responder': ocspResponder,
};

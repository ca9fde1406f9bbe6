import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import type { CertificateAuthority } from '../pki/ca.ts';
import type { RevocationUrls } from '../pki/leaf-extensions.ts';
import type { Store } from '../store/store.ts';

/** The audit actor of every change the credential service makes on its own (the termination cascade). */
export const CREDENTIALS_ACTOR = 'muster:credentials';
/** `credentials.type` of a PIV card. */
export const PIV_CARD = 'piv_card';
/** `credentials.type` of a PKI-based Derived PIV credential (SP 800-157r1). */
export const DERIVED_PKI = 'derived_piv_pki';
/** `credentials.type` of a FIDO2/WebAuthn Derived PIV authenticator. */
export const DERIVED_FIDO2 = 'derived_piv_fido2';
export const DERIVED_TYPES: readonly string[] = [DERIVED_PKI, DERIVED_FIDO2];
/** FASC-N system code when the deps name none. */
export const DEFAULT_SYSTEM_CODE = '0001';

export interface CardDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  /** The issuing CA that signs PIV Authentication and Card Authentication certificates. */
  readonly ca: CertificateAuthority;
  readonly urls: RevocationUrls;
  /** SP 800-87 agency code (config.agency.code); the FASC-N needs 4 digits. */
  readonly agencyCode: string;
  /** Organisational unit in certificate subjects (config.agency.name). */
  readonly agencyName?: string;
  /** FASC-N system code, 4 digits; '0001' when absent. */
  readonly systemCode?: string;
  /** On card loss or reissue, derived credentials bound this many days before are flagged for review (default 7). */
  readonly reviewDays?: number;
  /** A card's suspension, reinstatement and eligibility-ending termination reach its Derived PIV credentials (default true). */
  readonly cascadeToDerived?: boolean;
}

/** A card for an identity; the sponsorship and proofing are the identity's current records, never the request's. */
export interface PivCardRequest {
  readonly identityId: string;
  /** The card UUID; a random one when absent. */
  readonly cardUuid?: string;
  /** The card's expiry: at most six years away. Certificates never outlive it. */
  readonly expiresAt: Date;
  /** PKCS#10 (PEM or DER) for the PIV Authentication key. */
  readonly pivAuthCsr: string | Uint8Array;
  /** PKCS#10 (PEM or DER) for the Card Authentication key. */
  readonly cardAuthCsr: string | Uint8Array;
}

export interface IssuedCertificateRecord {
  readonly profile: 'piv-auth' | 'card-auth';
  readonly serial: string;
  readonly pem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface IssuedPivCard {
  readonly credentialId: string;
  readonly identityId: string;
  readonly cardUuid: string;
  /** The 25-byte FASC-N as hex. */
  readonly fascn: string;
  readonly credentialNumber: string;
  readonly expiresAt: Date;
  readonly certificates: readonly IssuedCertificateRecord[];
}

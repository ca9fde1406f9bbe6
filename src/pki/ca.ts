import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CertificatePolicyExtension,
  CRLDistributionPointsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  type Extension,
  type X509Certificate,
} from './x509.ts';
import type { Clock } from '../core/clock.ts';
import { randomSerial, signCertificate, toHex } from './der.ts';
import { generateCaKey, type CaKey, type CaKeyAlgorithm } from './keys.ts';
import { authorityInfoAccess } from './leaf-extensions.ts';
import { subjectName } from './names.ts';
import { OID } from './oids.ts';

const DAY_MS = 86_400_000;

export interface CertificateAuthority {
  readonly name: string;
  readonly key: CaKey;
  readonly certificate: X509Certificate;
  /** Hex SHA-1 of the subjectPublicKey (RFC 5280 §4.2.1.2 method 1). */
  readonly keyId: string;
}

export interface CaHierarchy {
  readonly root: CertificateAuthority;
  readonly issuing: CertificateAuthority;
}

export interface CaHierarchyOptions {
  readonly rootName: string;
  readonly issuingName: string;
  readonly keyAlgorithm?: CaKeyAlgorithm;
  readonly rootValidityDays?: number;
  readonly issuingValidityDays?: number;
  /** pathLenConstraint of the root: none (undefined) or 1. */
  readonly rootPathLength?: 1;
  /** Certificate policies asserted by the issuing CA. */
  readonly issuingPolicies?: readonly string[];
  /** Existing keys (e.g. imported from encrypted PEM); generated when absent. */
  readonly rootKey?: CaKey;
  readonly issuingKey?: CaKey;
  /** Where the issuing CA's certificate points: the root certificate (AIA caIssuers) and the root's CRL (CRL DP). */
  readonly issuingPointers?: CaPointers;
}

export interface CaPointers {
  readonly caIssuers: string;
  readonly crl: string;
}

export const PIV_POLICIES: readonly string[] = [OID.policyCommonAuthentication, OID.policyCommonCardAuth, OID.policyDerivedPivAuth, OID.policyDerivedPivAuthHardware];

/** SHA-1 over the subjectPublicKey BIT STRING contents, as hex. */
export async function keyIdentifier(spki: Uint8Array): Promise<string> {
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  return toHex(await crypto.subtle.digest('SHA-1', info.subjectPublicKey));
}

function pointerExtensions(pointers: CaPointers | undefined): Extension[] {
  return pointers ? [authorityInfoAccess({ caIssuers: pointers.caIssuers }), new CRLDistributionPointsExtension([pointers.crl])] : [];
}

function caExtensions(keyId: string, issuerKeyId: string, pathLength: number | undefined, policies: readonly string[]): Extension[] {
  const extensions: Extension[] = [
    new BasicConstraintsExtension(true, pathLength, true),
    new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
    new SubjectKeyIdentifierExtension(keyId),
    new AuthorityKeyIdentifierExtension(issuerKeyId),
  ];
  if (policies.length > 0) extensions.push(new CertificatePolicyExtension([...policies], false));
  return extensions;
}

async function createRoot(options: CaHierarchyOptions, clock: Clock, key: CaKey): Promise<CertificateAuthority> {
  const keyId = await keyIdentifier(key.spki);
  const notBefore = clock.now();
  const notAfter = new Date(notBefore.getTime() + (options.rootValidityDays ?? 7305) * DAY_MS);
  const certificate = await signCertificate(
    {
      serial: randomSerial(),
      issuer: options.rootName,
      subject: options.rootName,
      notBefore,
      notAfter,
      spki: key.spki,
      extensions: caExtensions(keyId, keyId, options.rootPathLength, []),
    },
    key,
  );
  return { name: options.rootName, key, certificate, keyId };
}

/** A CA (pathLen 0) below the root. */
export interface SubordinateCaOptions {
  readonly name: string;
  readonly key: CaKey;
  readonly validityDays?: number;
  /** The policies it asserts; none (no certificatePolicies extension) for a CA outside the PIV policies. */
  readonly policies: readonly string[];
  readonly pointers?: CaPointers | undefined;
}

/** Signs a subordinate CA certificate with the root key; it never outlives the root. */
export async function createSubordinateCa(root: CertificateAuthority, options: SubordinateCaOptions, clock: Clock): Promise<CertificateAuthority> {
  const { key } = options;
  const keyId = await keyIdentifier(key.spki);
  const notBefore = clock.now();
  const wanted = notBefore.getTime() + (options.validityDays ?? 3653) * DAY_MS;
  const notAfter = new Date(Math.min(wanted, root.certificate.notAfter.getTime()));
  const certificate = await signCertificate(
    {
      serial: randomSerial(),
      issuer: subjectName(root.certificate),
      subject: options.name,
      notBefore,
      notAfter,
      spki: key.spki,
      extensions: [...caExtensions(keyId, root.keyId, 0, options.policies), ...pointerExtensions(options.pointers)],
    },
    root.key,
  );
  return { name: options.name, key, certificate, keyId };
}

function createIssuing(options: CaHierarchyOptions, clock: Clock, root: CertificateAuthority, key: CaKey): Promise<CertificateAuthority> {
  const policies = options.issuingPolicies ?? PIV_POLICIES;
  return createSubordinateCa(root, { name: options.issuingName, key, validityDays: options.issuingValidityDays, policies, pointers: options.issuingPointers }, clock);
}

/** Creates a self-signed root and an issuing CA (pathLen 0) signed by it; validity starts at clock.now(). */
export async function createCaHierarchy(options: CaHierarchyOptions, clock: Clock): Promise<CaHierarchy> {
  const algorithm = options.keyAlgorithm ?? 'ecdsa-p384';
  const root = await createRoot(options, clock, options.rootKey ?? (await generateCaKey(algorithm)));
  const issuing = await createIssuing(options, clock, root, options.issuingKey ?? (await generateCaKey(algorithm)));
  return { root, issuing };
}

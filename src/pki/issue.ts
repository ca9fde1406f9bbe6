import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import { keyIdentifier, PIV_POLICIES, type CertificateAuthority } from './ca.ts';
import { readCsr } from './csr.ts';
import { keyFacts, keyLifetimeWeakness } from './key-strength.ts';
import { randomSerial, signCertificate } from './der.ts';
import { leafExtensions, type RevocationUrls } from './leaf-extensions.ts';
import { subjectName } from './names.ts';
import { checkProfile } from './profile-check.ts';
import { PROFILES, type CertificateProfile, type ProfileName } from './profiles.ts';
import type { X509Certificate } from './x509.ts';

const DAY_MS = 86_400_000;

export interface IssueRequest {
  /** PKCS#10, PEM or DER. Only its public key is used. */
  readonly csr?: string | Uint8Array;
  /** DER SubjectPublicKeyInfo of a key muster made itself (the OCSP responder's), instead of a CSR. */
  readonly spki?: Uint8Array;
  readonly subject: string;
  readonly fascn?: Uint8Array;
  readonly cardUuid?: string;
  /** The card's expiry: notAfter never passes it. */
  readonly notAfterLimit?: Date;
  readonly hardwareBacked?: boolean;
}

export interface IssuedCertificate {
  readonly serial: string;
  readonly pem: string;
  readonly der: Uint8Array;
  readonly certificate: X509Certificate;
}

export interface IssuerOptions {
  readonly ca: CertificateAuthority;
  readonly clock: Clock;
  readonly urls: RevocationUrls;
  readonly issuerPolicies?: readonly string[];
}

export interface Issuer {
  issue(profile: ProfileName, request: IssueRequest): Promise<IssuedCertificate>;
}

async function requestKey(request: IssueRequest): Promise<Uint8Array> {
  if (request.spki) return request.spki;
  if (request.csr === undefined) throw new MusterError('MUSTER_ERR_PKI_CSR', 'a certificate request needs a CSR', [{ field: 'csr', message: 'required' }]);
  return (await readCsr(request.csr)).spki;
}

function leafUuid(profile: CertificateProfile, request: IssueRequest): string | undefined {
  if (profile.san.uuid === 'per-certificate') return crypto.randomUUID();
  if (profile.san.uuid === 'card' && !request.cardUuid) throw new MusterError('MUSTER_ERR_PKI_PROFILE', `${profile.name} needs the card UUID`, [{ field: 'cardUuid', message: 'required' }]);
  return profile.san.uuid === 'card' ? request.cardUuid : undefined;
}

function notAfter(profile: CertificateProfile, now: Date, limit: Date | undefined): Date {
  const cap = now.getTime() + profile.maxValidityDays * DAY_MS;
  return new Date(profile.cardBound && limit ? Math.min(cap, limit.getTime()) : cap);
}

/** Builds a certificate from a profile descriptor; the caller checks it. Exported for tests that break descriptors on purpose. */
export async function buildLeaf(options: IssuerOptions, profile: CertificateProfile, request: IssueRequest, validUntil?: Date): Promise<X509Certificate> {
  const spki = await requestKey(request);
  const now = options.clock.now();
  const policies = profile.policies({ hardwareBacked: request.hardwareBacked ?? false, issuerPolicies: options.issuerPolicies ?? PIV_POLICIES });
  const names = { ...(profile.san.fascn && request.fascn ? { fascn: request.fascn } : {}), uuid: leafUuid(profile, request) };
  const extensions = leafExtensions({ profile, policies, names, keyId: await keyIdentifier(spki), issuerKeyId: options.ca.keyId, urls: options.urls });
  const input = { serial: randomSerial(), issuer: subjectName(options.ca.certificate), subject: request.subject, notBefore: now, spki, extensions };
  const end = validUntil ?? notAfter(profile, now, request.notAfterLimit);
  const tooSmall = keyLifetimeWeakness(keyFacts(spki), end);
  if (tooSmall) throw new MusterError('MUSTER_ERR_PKI_CSR', `the CSR key is refused: ${tooSmall}`, [{ field: 'csr', message: tooSmall }]);
  return signCertificate({ ...input, notAfter: end }, options.ca.key);
}

/** An issuer whose every certificate passes the profile checker before it leaves the CA. */
export function createIssuer(options: IssuerOptions): Issuer {
  return {
    async issue(name, request) {
      const profile = PROFILES[name];
      const certificate = await buildLeaf(options, profile, request);
      const issuerPolicies = options.issuerPolicies ?? PIV_POLICIES;
      checkProfile(certificate, profile, { hardwareBacked: request.hardwareBacked ?? false, issuerPolicies, notAfterLimit: request.notAfterLimit });
      return { serial: certificate.serialNumber, pem: certificate.toString('pem'), der: new Uint8Array(certificate.rawData), certificate };
    },
  };
}

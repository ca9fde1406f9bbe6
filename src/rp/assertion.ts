/**
 * SP 800-217 checks of an ID token's claims, run after openid-client's own checks (signature,
 * iss, aud, exp, nonce). Pure: the caller passes the claims, the agreements, the time and the
 * thumbprint of the client certificate it saw, if any.
 */
import { agreementFor, type TrustAgreement, type TrustAgreements } from './agreements.ts';
import { RpError } from './errors.ts';
import { AAL_VALUES, CREDENTIAL_TYPES, FAL_VALUES, IAL_VALUE, PIV_CLAIMS, aalRank, falRank, type Aal, type CredentialType, type Fal } from './profile.ts';

export interface FederatedIdentifier {
  readonly iss: string;
  readonly sub: string;
}

export interface VerifiedAssertion {
  readonly identifier: FederatedIdentifier;
  readonly agreement: TrustAgreement;
  readonly homeAgency: string;
  readonly affiliations: readonly string[];
  readonly ial: typeof IAL_VALUE;
  readonly aal: Aal;
  readonly fal: Fal;
  readonly authTime: number;
  readonly updatedAt: number;
  readonly credentialType: CredentialType;
  /** FAL3 with `bound_authn_required`: the RP must verify its own bound authenticator. */
  readonly boundAuthenticatorRequired: boolean;
  /** FAL3 holder-of-key: the `x5t#S256` that matched the client certificate. */
  readonly certificateThumbprint?: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface AssertionContext {
  readonly agreements: TrustAgreements;
  /** Seconds since the epoch. */
  readonly now: number;
  /** `x5t#S256` of the client certificate the RP saw over mutual TLS. */
  readonly clientCertificateThumbprint?: string | undefined;
  /** When given, `aud` must name this client alone (SP 800-63C: a single RP at FAL2 and above). */
  readonly clientId?: string;
}

/** SP 800-217 §6.2: the elements every assertion must carry. */
export const REQUIRED_CLAIMS = [
  'sub',
  PIV_CLAIMS.federation,
  PIV_CLAIMS.homeAgency,
  PIV_CLAIMS.orgAffiliation,
  PIV_CLAIMS.ial,
  'updated_at',
  PIV_CLAIMS.aal,
  'auth_time',
  PIV_CLAIMS.credentialType,
  PIV_CLAIMS.fal,
] as const;

export function checkAssertion(claims: Readonly<Record<string, unknown>>, context: AssertionContext): VerifiedAssertion {
  for (const claim of ['iss', ...REQUIRED_CLAIMS]) requirePresent(claims, claim);
  if (claims[PIV_CLAIMS.federation] !== true) throw claimValue(PIV_CLAIMS.federation, 'must be true');
  const identifier = { iss: text(claims, 'iss'), sub: text(claims, 'sub') };
  const homeAgency = text(claims, PIV_CLAIMS.homeAgency);
  const affiliations = textList(claims, PIV_CLAIMS.orgAffiliation);
  if (context.clientId !== undefined) checkAudience(claims.aud, context.clientId);
  const agreement = pivIdpAgreement(context.agreements, identifier.iss, homeAgency, affiliations);
  const assertion = {
    identifier,
    agreement,
    homeAgency,
    affiliations,
    ial: ialOf(claims),
    aal: oneOf(claims, PIV_CLAIMS.aal, AAL_VALUES),
    fal: oneOf(claims, PIV_CLAIMS.fal, FAL_VALUES),
    authTime: seconds(claims, 'auth_time'),
    updatedAt: seconds(claims, 'updated_at'),
    credentialType: oneOf(claims, PIV_CLAIMS.credentialType, CREDENTIAL_TYPES),
    claims,
  };
  for (const claim of ['iat', 'auth_time']) notInFuture(claims, claim, context.now);
  checkAssurance(assertion, agreement, context.now);
  return { ...assertion, ...checkFal3(claims, assertion.fal, context.clientCertificateThumbprint) };
}

function pivIdpAgreement(agreements: TrustAgreements, iss: string, homeAgency: string, affiliations: readonly string[]): TrustAgreement {
  const agreement = agreementFor(agreements, homeAgency, affiliations);
  if (agreement?.issuer === iss) return agreement;
  const expected = agreement ? `the PIV IdP for ${homeAgency} is ${agreement.issuer}` : `no trust agreement covers ${homeAgency}`;
  throw new RpError('RP_ERR_WRONG_IDP', `${iss} is not the PIV IdP for this subscriber: ${expected}`, { claim: PIV_CLAIMS.homeAgency });
}

/** How far ahead of the RP's clock an IdP's timestamps may be, seconds (openid-client's own tolerance). */
const CLOCK_SKEW_SECONDS = 30;

/** An assertion issued, or an authentication made, in the future is not valid yet. */
function notInFuture(claims: Readonly<Record<string, unknown>>, claim: string, now: number): void {
  const value = claims[claim];
  if (typeof value === 'number' && value > now + CLOCK_SKEW_SECONDS) throw claimValue(claim, `is ${value - now} s in the future`);
}

function checkAudience(aud: unknown, clientId: string): void {
  const list = Array.isArray(aud) ? aud : [aud];
  if (list.length !== 1 || list[0] !== clientId) throw claimValue('aud', `must name ${clientId} alone`);
}

function checkAssurance(a: { fal: Fal; aal: Aal; authTime: number }, agreement: TrustAgreement, now: number): void {
  if (falRank(a.fal) < falRank(agreement.minFal)) throw new RpError('RP_ERR_FAL_TOO_LOW', `FAL ${a.fal} is below the agreed ${agreement.minFal}`, { claim: PIV_CLAIMS.fal });
  if (aalRank(a.aal) < aalRank(agreement.minAal)) throw new RpError('RP_ERR_AAL_TOO_LOW', `AAL ${a.aal} is below the agreed ${agreement.minAal}`, { claim: PIV_CLAIMS.aal });
  const age = now - a.authTime;
  if (age > agreement.maxAuthenticationAgeSeconds) {
    throw new RpError('RP_ERR_AUTH_TOO_OLD', `the authentication is ${age} s old; the agreed maximum is ${agreement.maxAuthenticationAgeSeconds} s`, { claim: 'auth_time' });
  }
}

/** FAL3: holder-of-key (`cnf.x5t#S256` equal to the mutual-TLS certificate) or an RP-managed bound authenticator. */
function checkFal3(claims: Readonly<Record<string, unknown>>, fal: Fal, seenThumbprint: string | undefined): { boundAuthenticatorRequired: boolean; certificateThumbprint?: string } {
  if (fal !== 'fal3') return { boundAuthenticatorRequired: false };
  const thumbprint = cnfThumbprint(claims);
  if (thumbprint !== undefined) {
    if (seenThumbprint === undefined) throw new RpError('RP_ERR_HOLDER_OF_KEY', 'the assertion is bound to a certificate, and no client certificate was presented over mutual TLS', { claim: 'cnf' });
    if (thumbprint !== seenThumbprint) throw new RpError('RP_ERR_HOLDER_OF_KEY', 'cnf x5t#S256 does not match the client certificate presented over mutual TLS', { claim: 'cnf' });
    return { boundAuthenticatorRequired: false, certificateThumbprint: thumbprint };
  }
  if (claims[PIV_CLAIMS.boundAuthnRequired] === true) return { boundAuthenticatorRequired: true };
  throw new RpError('RP_ERR_MISSING_CLAIM', `a FAL3 assertion needs cnf (x5t#S256) or ${PIV_CLAIMS.boundAuthnRequired}: true`, { claim: 'cnf' });
}

function cnfThumbprint(claims: Readonly<Record<string, unknown>>): string | undefined {
  const cnf = claims.cnf;
  if (cnf === undefined) return undefined;
  const value = typeof cnf === 'object' && cnf !== null ? (cnf as Record<string, unknown>)['x5t#S256'] : undefined;
  if (typeof value !== 'string' || value === '') throw claimValue('cnf', 'must carry x5t#S256');
  return value;
}

function requirePresent(claims: Readonly<Record<string, unknown>>, claim: string): void {
  if (claims[claim] === undefined || claims[claim] === null) throw new RpError('RP_ERR_MISSING_CLAIM', `the assertion lacks ${claim}`, { claim });
}

function claimValue(claim: string, rule: string): RpError {
  return new RpError('RP_ERR_CLAIM_VALUE', `${claim} ${rule}`, { claim });
}

function text(claims: Readonly<Record<string, unknown>>, claim: string): string {
  const value = claims[claim];
  if (typeof value !== 'string' || value === '') throw claimValue(claim, 'must be a non-empty string');
  return value;
}

function textList(claims: Readonly<Record<string, unknown>>, claim: string): string[] {
  const value = claims[claim];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string' && x !== '')) throw claimValue(claim, 'must be a non-empty array of strings');
  return list as string[];
}

function seconds(claims: Readonly<Record<string, unknown>>, claim: string): number {
  const value = claims[claim];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw claimValue(claim, 'must be seconds since the epoch');
  return value;
}

function oneOf<T extends string>(claims: Readonly<Record<string, unknown>>, claim: string, allowed: readonly T[]): T {
  const value = claims[claim];
  if (!allowed.includes(value as T)) throw claimValue(claim, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function ialOf(claims: Readonly<Record<string, unknown>>): typeof IAL_VALUE {
  if (claims[PIV_CLAIMS.ial] !== IAL_VALUE) throw claimValue(PIV_CLAIMS.ial, `must be ${IAL_VALUE}: every PIV identity account is IAL3`);
  return IAL_VALUE;
}

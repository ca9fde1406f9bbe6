import type { AccountClaims } from 'oidc-provider';
import type { AgreementRelyingParty } from '../../core/federation/agreement.ts';
import { ACR, IAL_VALUE, PIV_CLAIMS, type Fal, type ReleasableAttribute } from '../../core/federation/profile.ts';
import type { Queryable } from '../../store/store.ts';
import type { LoginRecord } from './login-record.ts';

/**
 * The claims of muster's PIV federation profile (SP 800-217 §6): what every ID token carries, and the stable
 * attributes released through UserInfo only, as the trust agreement lists them. Values come from the MUR at the
 * time of the request.
 */

export interface IdentityView {
  readonly id: string;
  readonly status: string;
  /** Attribute values by name. */
  readonly attributes: Readonly<Record<string, string>>;
  /** The MUR's last_updated: moved by any change to a releasable attribute. */
  readonly lastUpdated: Date;
}

export async function identityView(db: Queryable, identityId: string): Promise<IdentityView | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(identityId)) return undefined;
  const [row] = await db.query<{ id: string; status: string; attributes: Record<string, { v: string }>; last_updated: Date }>(
    'SELECT id, status, attributes, last_updated FROM identities WHERE id = $1',
    [identityId],
  );
  if (!row) return undefined;
  const attributes = Object.fromEntries(Object.entries(row.attributes ?? {}).map(([name, a]) => [name, a.v]));
  return { id: row.id, status: row.status, attributes, lastUpdated: new Date(row.last_updated) };
}

/** `agency_code:<code>`: the SP 800-87 agency code as a global identifier. */
export function agencyIdentifier(code: string): string {
  return `agency_code:${code}`;
}

function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Organizational affiliations as global identifiers: the home agency, then its component and department within it. */
export function orgAffiliations(identity: IdentityView, agencyCode: string): string[] {
  const agency = agencyIdentifier(identity.attributes.home_agency || agencyCode);
  const component = slug(identity.attributes.component ?? '');
  const department = slug(identity.attributes.department ?? '');
  const out = [agency];
  if (component) out.push(`${agency}/sub:${component}`);
  if (component && department) out.push(`${agency}/sub:${component}/${department}`);
  return out;
}

export const seconds = (at: Date): number => Math.floor(at.getTime() / 1000);

export interface AssertionInput {
  readonly identity: IdentityView;
  readonly login: LoginRecord;
  readonly fal: Fal;
  readonly rp: AgreementRelyingParty | undefined;
  readonly agencyCode: string;
  /** The attributes the client's trust agreement lists. */
  readonly attributes: readonly ReleasableAttribute[];
}

/** The certificate identifier claim (SP 800-217 §6.2.3): released only where the trust agreement lists it. */
export const CERTIFICATE_ID_CLAIM = 'x509_certificate_id';

/**
 * The access a person holds by request (docs/governance.md): the catalogue items granted and in force, a just-in-time
 * item only while activated. In the ID token, only where the trust agreement lists `roles`.
 */
export const ROLES_CLAIM = 'roles';

/** Every claim SP 800-217 §6.2 asks of an assertion, under the profile's names. */
export function assertionClaims(input: AssertionInput): Record<string, unknown> {
  const { identity, login, fal } = input;
  return {
    [PIV_CLAIMS.federation]: true,
    [PIV_CLAIMS.homeAgency]: agencyIdentifier(input.agencyCode),
    [PIV_CLAIMS.orgAffiliation]: orgAffiliations(identity, input.agencyCode),
    [PIV_CLAIMS.ial]: IAL_VALUE,
    [PIV_CLAIMS.aal]: login.aal,
    [PIV_CLAIMS.fal]: fal,
    [PIV_CLAIMS.credentialType]: login.credentialType,
    updated_at: seconds(identity.lastUpdated),
    auth_time: seconds(login.authTime),
    acr: ACR[login.aal],
    amr: [...login.amr],
    ...(fal === 'fal3' ? holderOfKey(input) : {}),
    ...certificateId(input),
  };
}

/**
 * The certificate the subscriber signed in with, as the hash of the whole certificate (STANDARDS §1.8): its base64url
 * SHA-256 thumbprint, the value `cnf.x5t#S256` carries at FAL3. None after a FIDO2 sign-in, which shows no certificate.
 */
function certificateId(input: AssertionInput): Record<string, unknown> {
  if (!input.attributes.includes(CERTIFICATE_ID_CLAIM) || !input.login.certThumbprint) return {};
  return { [CERTIFICATE_ID_CLAIM]: input.login.certThumbprint };
}

/** FAL3: the PIV certificate's thumbprint when the IdP manages the bound authenticator and a certificate was used; else the RP checks its own. */
function holderOfKey(input: AssertionInput): Record<string, unknown> {
  if (input.rp?.boundAuthenticator === 'idp' && input.login.certThumbprint) return { cnf: { 'x5t#S256': input.login.certThumbprint } };
  return { [PIV_CLAIMS.boundAuthnRequired]: true };
}

/** The claims in the `openid` scope: the ID token's (with conformIdTokenClaims, the ID token gets this scope only). */
export const ASSERTION_CLAIM_NAMES = [
  'sub',
  'auth_time',
  'acr',
  'amr',
  'updated_at',
  'cnf',
  PIV_CLAIMS.federation,
  PIV_CLAIMS.homeAgency,
  PIV_CLAIMS.orgAffiliation,
  PIV_CLAIMS.ial,
  PIV_CLAIMS.aal,
  PIV_CLAIMS.fal,
  PIV_CLAIMS.credentialType,
  PIV_CLAIMS.boundAuthnRequired,
  CERTIFICATE_ID_CLAIM,
  ROLES_CLAIM,
] as const;

/** The stable attributes, as OIDC standard claims, from the MUR record. */
export function stableAttributes(identity: IdentityView): Partial<Record<ReleasableAttribute, unknown>> {
  const a = identity.attributes;
  const name = a.full_name || [a.given_name, a.family_name].filter(Boolean).join(' ');
  const values: Partial<Record<ReleasableAttribute, unknown>> = {
    name: name || undefined,
    given_name: a.given_name || undefined,
    family_name: a.family_name || undefined,
    email: a.email || undefined,
    phone_number: a.phone_number || undefined,
    address: a.location ? { formatted: a.location } : undefined,
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/** UserInfo: the subject, its freshness, and only the attributes the agreement lists. */
export function userinfoClaims(identity: IdentityView, allowed: readonly ReleasableAttribute[]): AccountClaims {
  const stable = stableAttributes(identity);
  const released = Object.fromEntries(allowed.filter((n) => stable[n] !== undefined).map((n) => [n, stable[n]]));
  return { sub: identity.id, updated_at: seconds(identity.lastUpdated), ...released };
}

/** The `claims` configuration: scope → claims; the assertion claims sit in `openid`. */
export function claimsConfiguration(): Record<string, string[] | null> {
  return {
    openid: [...ASSERTION_CLAIM_NAMES],
    profile: ['name', 'given_name', 'family_name', 'updated_at'],
    email: ['email'],
    phone: ['phone_number'],
    address: ['address'],
    acr: null,
    amr: null,
    auth_time: null,
    sid: null,
    iss: null,
  };
}

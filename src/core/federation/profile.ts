/**
 * muster's OpenID Connect profile for PIV federation (SP 800-217): the claim names, authentication
 * context values and shared-signal event types that the home IdP emits and the relying-party library
 * (`muster/rp`, which keeps its own copy so that it ships alone) checks.
 */

/** Private claims of the profile; standard OIDC claims (`sub`, `auth_time`, `updated_at`, `acr`, `amr`, `cnf`) keep their names. */
export const PIV_CLAIMS = Object.freeze({
  /** true: the transaction is PIV federation (SP 800-217 §6.2). */
  federation: 'piv_federation',
  /** The home agency: `agency_code:<SP 800-87 code>`. */
  homeAgency: 'piv_home_agency',
  /** Organizational affiliations, as global identifiers (array). */
  orgAffiliation: 'piv_org_affiliation',
  /** Always IAL3 for a PIV identity account. */
  ial: 'ial',
  aal: 'aal',
  /** The FAL the IdP intends for this assertion. */
  fal: 'fal',
  /** `piv_card`, `derived_pki` or `derived_non_pki`. */
  credentialType: 'piv_credential_type',
  /** FAL3: the RP must verify its own bound authenticator (none managed by the IdP). */
  boundAuthnRequired: 'bound_authn_required',
} as const);

export const CREDENTIAL_TYPES = ['piv_card', 'derived_pki', 'derived_non_pki'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export const AAL_VALUES = ['aal2', 'aal3'] as const;
export type Aal = (typeof AAL_VALUES)[number];
export const FAL_VALUES = ['fal1', 'fal2', 'fal3'] as const;
export type Fal = (typeof FAL_VALUES)[number];
export const IAL_VALUE = 'ial3';

/** `acr` values: the AAL of the authentication, with the HSPD-12 flag (precedent: GSA's identity service). */
export const ACR = Object.freeze({
  aal2: 'http://idmanagement.gov/ns/assurance/aal/2?hspd12=true',
  aal3: 'http://idmanagement.gov/ns/assurance/aal/3?hspd12=true',
} as const);

export function aalOfAcr(acr: string): Aal | undefined {
  if (acr === ACR.aal3) return 'aal3';
  if (acr === ACR.aal2) return 'aal2';
  return undefined;
}

export function falRank(fal: Fal): number {
  return FAL_VALUES.indexOf(fal) + 1;
}

export function aalRank(aal: Aal): number {
  return AAL_VALUES.indexOf(aal) + 2;
}

/** Reauthentication limits (SP 800-63B-4): overall and idle, in seconds. */
export const REAUTHENTICATION = Object.freeze({
  aal3: { maxAgeSeconds: 12 * 3600, idleSeconds: 15 * 60 },
  aal2: { maxAgeSeconds: 24 * 3600, idleSeconds: 3600 },
} as const);

/** Attributes released only through UserInfo, and only as a trust agreement lists them. */
export const RELEASABLE_ATTRIBUTES = ['name', 'given_name', 'family_name', 'email', 'phone_number', 'address', 'x509_certificate_id', 'roles'] as const;
export type ReleasableAttribute = (typeof RELEASABLE_ATTRIBUTES)[number];

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/';
const SSF = 'https://schemas.openid.net/secevent/ssf/event-type/';

/** Shared-signal event types muster transmits, by the short name trust agreements use. */
export const SIGNAL_EVENTS = Object.freeze({
  'session-revoked': `${CAEP}session-revoked`,
  'credential-change': `${CAEP}credential-change`,
  'assurance-level-change': `${CAEP}assurance-level-change`,
  'account-disabled': `${RISC}account-disabled`,
  'account-enabled': `${RISC}account-enabled`,
  'account-purged': `${RISC}account-purged`,
  'identifier-changed': `${RISC}identifier-changed`,
  /** The claims of tokens already issued changed (muster: the `roles` claim, when just-in-time access ends); payload `claims`. */
  'token-claims-change': `${CAEP}token-claims-change`,
  /** Private: the federated identifier (iss, sub) changed; payload `new_sub_id` (iss_sub). */
  'federated-identifier-changed': 'https://muster.dev/secevent/event-type/federated-identifier-changed',
} as const);
export type SignalName = keyof typeof SIGNAL_EVENTS;
export const SIGNAL_NAMES = Object.keys(SIGNAL_EVENTS) as SignalName[];

export const SSF_VERIFICATION_EVENT = `${SSF}verification`;
export const SSF_STREAM_UPDATED_EVENT = `${SSF}stream-updated`;

/** What an RP does on a signal, as the trust agreement states it. */
export const SIGNAL_ACTIONS = ['end-sessions', 'disable-account', 'enable-account', 'delete-account', 'refresh-attributes', 'change-identifier', 'review'] as const;
export type SignalAction = (typeof SIGNAL_ACTIONS)[number];

/**
 * The names of muster's PIV federation profile (SP 800-217) that a relying party checks: claim
 * names, assurance values and shared-signal event types. A copy of the home IdP's profile, kept
 * here so that `muster/rp` ships alone; `profile.test.ts` keeps the two equal.
 */

/** Private claims of the profile; standard OIDC claims (`sub`, `auth_time`, `updated_at`, `acr`, `amr`, `cnf`) keep their names. */
export const PIV_CLAIMS = Object.freeze({
  federation: 'piv_federation',
  homeAgency: 'piv_home_agency',
  orgAffiliation: 'piv_org_affiliation',
  ial: 'ial',
  aal: 'aal',
  fal: 'fal',
  credentialType: 'piv_credential_type',
  boundAuthnRequired: 'bound_authn_required',
} as const);

export const CREDENTIAL_TYPES = ['piv_card', 'derived_pki', 'derived_non_pki'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export const AAL_VALUES = ['aal2', 'aal3'] as const;
export type Aal = (typeof AAL_VALUES)[number];
export const FAL_VALUES = ['fal1', 'fal2', 'fal3'] as const;
export type Fal = (typeof FAL_VALUES)[number];
export const IAL_VALUE = 'ial3';

/** `acr` values: the AAL of the authentication, with the HSPD-12 flag. */
export const ACR = Object.freeze({
  aal2: 'http://idmanagement.gov/ns/assurance/aal/2?hspd12=true',
  aal3: 'http://idmanagement.gov/ns/assurance/aal/3?hspd12=true',
} as const);

export function falRank(fal: Fal): number {
  return FAL_VALUES.indexOf(fal) + 1;
}

export function aalRank(aal: Aal): number {
  return AAL_VALUES.indexOf(aal) + 2;
}

/** Attributes an RP may request; released only through UserInfo, and only as a trust agreement lists them. */
export const RELEASABLE_ATTRIBUTES = ['name', 'given_name', 'family_name', 'email', 'phone_number', 'address', 'x509_certificate_id', 'roles'] as const;
export type ReleasableAttribute = (typeof RELEASABLE_ATTRIBUTES)[number];

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/';
const SSF = 'https://schemas.openid.net/secevent/ssf/event-type/';

/** Shared-signal event types, by the short name trust agreements use. */
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

import type { MusterConfig } from '../config/schema.ts';

/**
 * The home agency IdP record (SP 800-217 §3.5): what a relying party needs to know that muster's OP is the
 * agency's home agency IdP, for which agencies and affiliations, over which protocols and profiles, where
 * each protocol's discovery document is, and whom to contact. Published as JSON and, signed, inside the
 * OpenID Federation entity configuration.
 */

export const PIV_IDP_RECORD_PATH = '/.well-known/piv-idp-record';
export const ENTITY_CONFIGURATION_PATH = '/.well-known/openid-federation';
export const OIDC_DISCOVERY_PATH = '/.well-known/openid-configuration';
/** muster's OpenID Connect profile for PIV federation, named under the issuer. */
export const PIV_OIDC_PROFILE_PATH = '/profiles/piv-oidc-1.0';

export interface SupportedProtocol {
  /** The protocol, e.g. `openid-connect-1.0`. */
  readonly protocol: string;
  /** Technical profiles of that protocol the IdP follows (URIs). */
  readonly profiles: readonly string[];
  /** Where the machine-readable discovery document is. */
  readonly discovery: string;
}

export interface HomeAgencyIdpRecord {
  /** The canonical issuer identifier. */
  readonly issuer: string;
  /** The agency declares this IdP its home agency IdP. */
  readonly home_agency_idp: true;
  readonly organization_name: string;
  /** Agencies covered: `agency_code:<SP 800-87 code>`. */
  readonly agency_codes: readonly string[];
  /** Organizational affiliations covered, as global identifiers; empty: all of the agencies. */
  readonly org_affiliations: readonly string[];
  readonly protocols: readonly SupportedProtocol[];
  /** Technical contacts. */
  readonly contacts: readonly string[];
  /** The signed form of this record: the OpenID Federation entity configuration. */
  readonly entity_configuration: string;
}

/** The record of the OP with issuer identifier `issuer` (see `federationIssuer`). */
export function homeAgencyRecord(config: MusterConfig, issuer: string): HomeAgencyIdpRecord {
  const record = config.federation.record;
  return {
    issuer,
    home_agency_idp: true,
    organization_name: record.organizationName ?? config.agency.name,
    agency_codes: [`agency_code:${config.agency.code}`],
    org_affiliations: [...record.affiliations],
    protocols: [{ protocol: 'openid-connect-1.0', profiles: [pivOidcProfile(issuer)], discovery: underIssuer(issuer, OIDC_DISCOVERY_PATH) }],
    contacts: [...record.contacts],
    entity_configuration: underIssuer(issuer, ENTITY_CONFIGURATION_PATH),
  };
}

export function pivOidcProfile(issuer: string): string {
  return underIssuer(issuer, PIV_OIDC_PROFILE_PATH);
}

/** `issuer` with `suffix` appended (OpenID Federation and OIDC discovery append, after removing a trailing `/`). */
export function underIssuer(issuer: string, suffix: string): string {
  return `${issuer.replace(/\/+$/, '')}${suffix}`;
}

/** The path of the issuer on its host (`/oidc` for `http://host:port/oidc`, '' for a bare origin). */
export function issuerPath(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}

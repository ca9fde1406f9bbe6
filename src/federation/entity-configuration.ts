import { SignJWT } from 'jose';
import type { MusterConfig } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { KeyVault } from '../core/key-vault.ts';
import { MusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { federationPublicKeys, federationSigningKey } from './federation-keys.ts';
import { type HomeAgencyIdpRecord, homeAgencyRecord } from './home-record.ts';

/**
 * muster's OpenID Federation entity configuration (OpenID Federation 1.0 §3, draft): a statement the OP's
 * entity signs about itself with its federation keys, served at `<issuer>/.well-known/openid-federation`.
 * `metadata.openid_provider` is the OP's discovery document; `metadata.federation_entity` names the
 * organization and its contacts and carries the home agency IdP record under `piv_home_agency_idp`. With no
 * federation authority to issue trust marks, the record's claims travel in this metadata.
 */

export const ENTITY_STATEMENT_TYPE = 'entity-statement+jwt';
export const ENTITY_STATEMENT_MEDIA_TYPE = 'application/entity-statement+jwt';

/**
 * OpenID Federation 1.0 §5.1.3 `client_registration_types_supported` (REQUIRED): neither of its types. muster has no
 * `federation_registration_endpoint` (explicit) and does not resolve a client id as an entity id through trust chains
 * (automatic); its clients are registered under trust agreements, or by RFC 7591 with an agreement's initial access token.
 */
export const CLIENT_REGISTRATION_TYPES: readonly string[] = [];

export interface EntityConfigurationDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** Opens the sealed federation signing key. */
  readonly vault: KeyVault;
  readonly config: MusterConfig;
  /** The OP's issuer identifier as served, which is the entity id. */
  readonly issuer: string;
  /** The OP's discovery document. */
  readonly discovery: () => Promise<Record<string, unknown>>;
}

/** The PIV record inside `metadata.federation_entity`: the record without what the statement already says. */
export type PivHomeAgencyMetadata = Omit<HomeAgencyIdpRecord, 'issuer' | 'organization_name' | 'contacts' | 'entity_configuration'>;

export interface EntityConfigurationClaims {
  readonly iss: string;
  readonly sub: string;
  readonly iat: number;
  readonly exp: number;
  readonly jwks: { readonly keys: readonly Record<string, unknown>[] };
  readonly authority_hints?: readonly string[];
  readonly metadata: {
    readonly openid_provider: Record<string, unknown>;
    readonly federation_entity: {
      readonly organization_name: string;
      readonly contacts: readonly string[];
      readonly piv_home_agency_idp: PivHomeAgencyMetadata;
    };
  };
}

/** The signed entity configuration (compact JWS, `typ: entity-statement+jwt`). */
export async function signedEntityConfiguration(deps: EntityConfigurationDeps): Promise<string> {
  const key = await federationSigningKey(deps.store, deps.vault, deps.clock);
  const claims = await entityConfigurationClaims(deps);
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ENTITY_STATEMENT_TYPE }).sign(key.privateKey);
}

/** The claims of the entity configuration at the clock's time. */
export async function entityConfigurationClaims(deps: EntityConfigurationDeps): Promise<EntityConfigurationClaims> {
  const { config, issuer } = deps;
  const now = deps.clock.now();
  const iat = Math.floor(now.getTime() / 1000);
  const discovery = await checkedDiscovery(deps);
  const { issuer: _issuer, organization_name, contacts, entity_configuration: _self, ...piv } = homeAgencyRecord(config, issuer);
  const hints = config.federation.record.authorityHints;
  return {
    iss: issuer,
    sub: issuer,
    iat,
    exp: iat + config.federation.record.entityConfigurationTtlSeconds,
    jwks: { keys: await federationPublicKeys(deps.store, now) },
    ...(hints.length > 0 ? { authority_hints: [...hints] } : {}),
    metadata: { openid_provider: { ...discovery, client_registration_types_supported: [...CLIENT_REGISTRATION_TYPES] }, federation_entity: { organization_name, contacts, piv_home_agency_idp: piv } },
  };
}

/** The discovery document, refused when it names another issuer: the statement would vouch for the wrong OP. */
async function checkedDiscovery(deps: EntityConfigurationDeps): Promise<Record<string, unknown>> {
  const discovery = await deps.discovery();
  if (discovery.issuer !== undefined && discovery.issuer !== deps.issuer) {
    throw new MusterError('MUSTER_ERR_INTERNAL', `the OP's discovery document names issuer ${String(discovery.issuer)}, not the entity id ${deps.issuer}`, [
      { field: 'issuer', value: String(discovery.issuer), message: 'differs from the entity id' },
    ]);
  }
  return discovery;
}

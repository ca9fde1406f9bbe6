// Test support (not part of muster/rp): claims, agreements and client keys for the RP's tests.
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { parseAgreements, type TrustAgreements } from './agreements.ts';

export const HOME_AGENCY = 'agency_code:4700';
export const FAL3_AGENCY = 'agency_code:4701';
export const OTHER_AGENCY = 'agency_code:9700';
export const OTHER_IDP = 'https://piv-idp.other-agency.example';

/** The SP 800-217 claims a PIV IdP emits for a subscriber of the home agency, authenticated now. */
export function pivClaims(overrides: Record<string, unknown> = {}, now = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  return {
    piv_federation: true,
    piv_home_agency: HOME_AGENCY,
    piv_org_affiliation: ['agency_code:4700/sub:HR'],
    ial: 'ial3',
    aal: 'aal3',
    fal: 'fal2',
    piv_credential_type: 'piv_card',
    updated_at: now - 3600,
    ...overrides,
  };
}

/** The RP's agreements: `issuer` is the PIV IdP for the home agency (FAL2) and the FAL3 agency; another IdP for a third. */
export function testAgreements(issuer: string, overrides: Record<string, unknown> = {}): TrustAgreements {
  const signals = {
    'session-revoked': 'end-sessions',
    'account-disabled': 'disable-account',
    'account-enabled': 'enable-account',
    'account-purged': 'delete-account',
    'federated-identifier-changed': 'change-identifier',
    'credential-change': 'end-sessions',
    'assurance-level-change': 'end-sessions',
  };
  return parseAgreements([
    { id: 'home', issuer, homeAgencies: [HOME_AGENCY], minFal: 'fal2', minAal: 'aal2', maxAuthenticationAgeSeconds: 3600, attributes: ['name', 'email'], signals, ...overrides },
    { id: 'fal3', issuer, homeAgencies: [FAL3_AGENCY], minFal: 'fal3', minAal: 'aal3', maxAuthenticationAgeSeconds: 3600, attributes: ['name'], signals },
    { id: 'other', issuer: OTHER_IDP, homeAgencies: [OTHER_AGENCY], minFal: 'fal2', minAal: 'aal2', maxAuthenticationAgeSeconds: 3600, attributes: [], signals: {} },
  ]);
}

export interface ClientKeys {
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

export async function clientKeys(): Promise<ClientKeys> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const meta = { kid: 'rp-1', alg: 'ES256', use: 'sig' };
  return { privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...(await exportJWK(publicKey)), ...meta } };
}

/** oidc-provider client metadata for an RP authenticating with private_key_jwt. */
export function clientMetadata(clientId: string, redirectUri: string, keys: ClientKeys): Record<string, unknown> {
  return {
    client_id: clientId,
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [keys.publicJwk] },
  };
}

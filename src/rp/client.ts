/**
 * The relying party's side of one IdP, on openid-client: discovery, `private_key_jwt` (or
 * `tls_client_auth`) client authentication, the authorization code flow with PKCE S256, state,
 * nonce, `max_age` and `acr_values` from the agreements, ID token signatures always checked, then
 * the SP 800-217 assertion checks and the subscriber account.
 */
import * as oidc from 'openid-client';
import { importJWK, type JWK } from 'jose';
import { agreementsWith, type TrustAgreements } from './agreements.ts';
import { checkAssertion, type VerifiedAssertion } from './assertion.ts';
import type { Account } from './accounts.ts';
import { RpError } from './errors.ts';
import type { RpFetch } from './fetch.ts';
import { ACR, aalRank, AAL_VALUES, type Aal } from './profile.ts';
import { resolveAccount, type AccountServices } from './provisioning.ts';
import { certificateThumbprint, type CertificateInput } from './thumbprint.ts';

export interface BoundAuthenticatorContext {
  readonly assertion: VerifiedAssertion;
  /** Whatever the application collected for its bound authenticator check (passed to completeSignIn). */
  readonly proof: unknown;
}

/** FAL3 with `bound_authn_required`: the RP verifies its own bound authenticator; true when it did. */
export type BoundAuthenticatorCheck = (context: BoundAuthenticatorContext) => Promise<boolean> | boolean;

export interface RpClientOptions {
  readonly issuer: string;
  readonly clientId: string;
  readonly redirectUri: string;
  /** The RP's private key for `private_key_jwt`, as a JWK (its `alg` and `kid` are used when present). */
  readonly privateJwk?: JWK;
  /** Default `private_key_jwt`; `tls_client_auth` needs a fetch that presents the RP's certificate (see tlsFetch). */
  readonly clientAuthentication?: 'private_key_jwt' | 'tls_client_auth';
  readonly agreements: TrustAgreements;
  readonly services: AccountServices;
  /** Scopes to request; default `openid` plus the standard scopes of the agreed attributes. */
  readonly scope?: string;
  /** A fetch for every request to the IdP (a private CA, mutual TLS). */
  readonly fetch?: RpFetch;
  /** Allow http:// IdP URLs. For loopback tests only. */
  readonly allowInsecureHttp?: boolean;
  readonly boundAuthenticator?: BoundAuthenticatorCheck;
  /** How long a started sign-in stays valid, seconds; default 600. */
  readonly signInLifetimeSeconds?: number;
  readonly now?: () => number;
}

/** What the RP keeps in its (pre-)session between beginSignIn and completeSignIn. */
export interface SignInRecord {
  readonly issuer: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly maxAge: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

export interface CompleteOptions {
  /** The client certificate the subscriber presented to the RP over mutual TLS (FAL3 holder-of-key). */
  readonly clientCertificate?: CertificateInput;
  /** Passed to the bound authenticator check. */
  readonly boundAuthenticatorProof?: unknown;
}

export interface SignInResult {
  readonly assertion: VerifiedAssertion;
  readonly account: Account;
  /** The ID token as received: the `id_token_hint` of RP-initiated logout. */
  readonly idToken: string;
}

export interface RpClient {
  beginSignIn(): Promise<{ url: URL; record: SignInRecord }>;
  completeSignIn(callbackUrl: URL | string, record: SignInRecord, options?: CompleteOptions): Promise<SignInResult>;
  /** The discovered openid-client configuration. */
  configuration(): Promise<oidc.Configuration>;
}

const SCOPE_OF: Readonly<Record<string, string>> = { name: 'profile', given_name: 'profile', family_name: 'profile', email: 'email', phone_number: 'phone', address: 'address' };

export function createRpClient(options: RpClientOptions): RpClient {
  const own = agreementsWith(options.agreements, options.issuer);
  if (own.length === 0) throw new RpError('RP_ERR_CONFIG', `no trust agreement names ${options.issuer} as a PIV IdP`, { field: 'issuer' });
  if (own.some((a) => a.minFal === 'fal1')) throw new RpError('RP_ERR_CONFIG', 'this client runs the authorization code flow at FAL2 and above; an agreement allows FAL1', { field: 'minFal' });
  const now = options.now ?? Date.now;
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () =>
    (discovered ??= discover(options).catch((error: unknown) => {
      discovered = undefined;
      throw error;
    }));
  const maxAge = Math.min(...own.map((a) => a.maxAuthenticationAgeSeconds));
  const minAal = own.map((a) => a.minAal).sort((a, b) => aalRank(a) - aalRank(b))[0] as Aal;
  const scope = options.scope ?? scopeFor(own.flatMap((a) => a.attributes));
  return {
    configuration,
    async beginSignIn() {
      const config = await configuration();
      const record = { issuer: options.issuer, state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(), maxAge, createdAt: now() };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: options.redirectUri,
        response_type: 'code',
        scope,
        state: record.state,
        nonce: record.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(record.codeVerifier),
        code_challenge_method: 'S256',
        max_age: String(maxAge),
        acr_values: acrValues(minAal),
      });
      return { url, record };
    },
    async completeSignIn(callbackUrl, record, complete = {}) {
      checkRecord(record, options, now());
      const config = await configuration();
      const tokens = await grant(config, new URL(callbackUrl), record);
      const thumbprint = complete.clientCertificate === undefined ? undefined : certificateThumbprint(complete.clientCertificate);
      const assertion = checkAssertion(tokens.claims() as Record<string, unknown>, {
        agreements: options.agreements,
        now: Math.floor(now() / 1000),
        clientId: options.clientId,
        clientCertificateThumbprint: thumbprint,
      });
      if (assertion.boundAuthenticatorRequired) await verifyBoundAuthenticator(options, assertion, complete.boundAuthenticatorProof);
      const account = await resolveAccount(options.services, assertion, () => readUserInfo(config, tokens.access_token, assertion.identifier.sub));
      return { assertion, account, idToken: tokens.id_token ?? '' };
    },
  };
}

async function discover(options: RpClientOptions): Promise<oidc.Configuration> {
  const tls = options.clientAuthentication === 'tls_client_auth';
  const auth = tls ? oidc.TlsClientAuth() : oidc.PrivateKeyJwt(await privateKey(options.privateJwk));
  const execute = [oidc.enableNonRepudiationChecks, ...(options.allowInsecureHttp ? [oidc.allowInsecureRequests] : [])];
  const discoveryOptions: oidc.DiscoveryRequestOptions = { execute };
  if (options.fetch) discoveryOptions[oidc.customFetch] = options.fetch as oidc.CustomFetch;
  try {
    const config = await oidc.discovery(new URL(options.issuer), options.clientId, { use_mtls_endpoint_aliases: tls }, auth, discoveryOptions);
    if (!config.serverMetadata().supportsPKCE('S256')) throw new Error('the IdP does not advertise PKCE S256');
    return config;
  } catch (error) {
    throw new RpError('RP_ERR_DISCOVERY', `discovery of ${options.issuer} failed: ${messageOf(error)}`, {}, { cause: error });
  }
}

async function privateKey(jwk: JWK | undefined): Promise<oidc.PrivateKey> {
  if (!jwk?.d) throw new RpError('RP_ERR_CONFIG', 'private_key_jwt needs the private JWK of the RP', { field: 'privateJwk' });
  const alg = jwk.alg ?? ({ EC: 'ES256', RSA: 'PS256', OKP: 'EdDSA' } as Record<string, string>)[jwk.kty ?? ''];
  if (!alg) throw new RpError('RP_ERR_CONFIG', `cannot sign with a ${jwk.kty} key`, { field: 'privateJwk' });
  const key = await importJWK({ ...jwk, alg }, alg);
  return { key: key as oidc.CryptoKey, kid: jwk.kid };
}

function checkRecord(record: SignInRecord, options: RpClientOptions, now: number): void {
  if (record.issuer !== options.issuer) throw new RpError('RP_ERR_STATE', 'the sign-in was started with another IdP');
  const lifetime = (options.signInLifetimeSeconds ?? 600) * 1000;
  if (now - record.createdAt > lifetime) throw new RpError('RP_ERR_STATE', 'the sign-in was started too long ago; start again');
}

async function grant(config: oidc.Configuration, callbackUrl: URL, record: SignInRecord) {
  try {
    return await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: record.codeVerifier, expectedState: record.state, expectedNonce: record.nonce, idTokenExpected: true });
  } catch (error) {
    throw new RpError('RP_ERR_ASSERTION', `the IdP's response was refused: ${messageOf(error)}`, {}, { cause: error });
  }
}

async function verifyBoundAuthenticator(options: RpClientOptions, assertion: VerifiedAssertion, proof: unknown): Promise<void> {
  if (!options.boundAuthenticator) throw new RpError('RP_ERR_BOUND_AUTHENTICATOR', 'the assertion requires a bound authenticator and this RP has no check for one');
  if ((await options.boundAuthenticator({ assertion, proof })) !== true) throw new RpError('RP_ERR_BOUND_AUTHENTICATOR', 'the bound authenticator was not verified');
}

async function readUserInfo(config: oidc.Configuration, accessToken: string, sub: string): Promise<Record<string, unknown>> {
  try {
    return { ...(await oidc.fetchUserInfo(config, accessToken, sub)) };
  } catch (error) {
    throw new RpError('RP_ERR_USERINFO', `UserInfo failed: ${messageOf(error)}`, {}, { cause: error });
  }
}

function scopeFor(attributes: readonly string[]): string {
  return ['openid', ...new Set(attributes.flatMap((a) => SCOPE_OF[a] ?? []))].join(' ');
}

/** The acceptable `acr` values, strongest first. */
function acrValues(minAal: Aal): string {
  return AAL_VALUES.filter((aal) => aalRank(aal) >= aalRank(minAal))
    .reverse()
    .map((aal) => ACR[aal])
    .join(' ');
}

function messageOf(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError) return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  if (!(error instanceof Error)) return String(error);
  // openid-client's message is generic ("unexpected JWT claim value encountered"); its cause names the claim
  return error.cause instanceof Error && error.cause.message !== error.message ? `${error.message}: ${error.cause.message}` : error.message;
}

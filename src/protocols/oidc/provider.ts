import { RECEIVER_SCOPES } from '../ssf/receiver.ts';
import { Provider, errors, type Client, type Configuration, type Interaction, type KoaContextWithOIDC, type SigningAlgorithm, type interactionPolicy } from 'oidc-provider';
import type { JWK } from 'jose';
import type { AuditWriter } from '../../audit/writer.ts';
import type { MusterConfig } from '../../config/schema.ts';
import type { Clock } from '../../core/clock.ts';
import { ACR, REAUTHENTICATION, aalOfAcr } from '../../core/federation/profile.ts';
import { AgreementService } from '../../federation/agreements.ts';
import type { Store } from '../../store/store.ts';
import { adapterFactory } from './adapter.ts';
import { claimsConfiguration } from './claims.ts';
import { clientAssertionRules } from './client-assertion.ts';
import { CookieSigner } from './cookie-signer.ts';
import { MUSTER_CLIENT_METADATA, REGISTRATION_POLICY, agreementClients, metadataOf, registrationPolicy } from './clients.ts';
import { auditEvents, type EventDeps } from './events.ts';
import { falMetadataProblems, falRequestProblem, isFal, requestedFalProblem } from './fal.ts';
import { findAccountWith, pairwiseSubjectOf } from './find-account.ts';
import { certificateAuthorized, certificateSubjectMatches, peerCertificate } from './mtls-auth.ts';
import { outboundFetch } from './outbound-fetch.ts';
import { renderError } from './render-error.ts';
import { atomicReplayDetection } from './replay-detection.ts';
import { OP_ROUTES } from './routes.ts';
import type { RefusalAggregator } from '../../audit/refusal-aggregator.ts';

/** What the interactions (sign-in and consent pages) give the OP. */
export interface OpInteractions {
  readonly policy?: readonly interactionPolicy.Prompt[];
  url(ctx: KoaContextWithOIDC, interaction: Interaction): string | Promise<string>;
}

export interface ProviderDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly config: MusterConfig;
  readonly issuer: string;
  readonly interactions: OpInteractions;
  /** The signing keys, active first (see keys.ts currentJwks). */
  readonly jwks: { keys: JWK[] };
  readonly cookieKeys: readonly string[];
  /** The origin of the mutual-TLS listener (`https://host:port`), for the mTLS endpoint aliases. */
  readonly mtlsOrigin?: string;
  readonly onAuditError?: (error: unknown) => void;
  /** A request answered `server_error`: its error and stack, for the log. */
  readonly onServerError?: EventDeps['onServerError'];
  /** Refusals of requests from the network, aggregated per address (see refusals.ts). */
  readonly refusals?: RefusalAggregator;
}

const CLIENT_AUTH_ALGS: SigningAlgorithm[] = ['RS256', 'PS256', 'ES256'];
const CLOCK_TOLERANCE = 5;

/**
 * muster's OpenID Provider on oidc-provider: clients from trust agreements, the MUR behind every account lookup,
 * pairwise subjects, the PIV federation claims, FAL rules, mutual TLS, and every issuance and refusal audited.
 * oidc-provider reads the wall clock for its own token times (iat/exp, cookie lifetimes); muster's decisions (row
 * expiry, key rotation, sign-in records, identity status) use the injected clock.
 */
export function createProvider(deps: ProviderDeps): Provider {
  const provider = new Provider(deps.issuer, configuration(deps));
  provider.proxy = false;
  atomicReplayDetection(provider, deps);
  auditEvents(provider, {
    store: deps.store,
    audit: deps.audit,
    ...(deps.refusals ? { refusals: deps.refusals } : {}),
    ...(deps.onAuditError ? { onError: deps.onAuditError } : {}),
    ...(deps.onServerError ? { onServerError: deps.onServerError } : {}),
  });
  return provider;
}

function configuration(deps: ProviderDeps): Configuration {
  const { store, clock, audit, config } = deps;
  const agreements = new AgreementService({ store, audit, clock });
  const oidc = config.federation.oidc;
  return {
    adapter: adapterFactory({ store, clock, clients: agreementClients(store, agreements) }),
    jwks: deps.jwks,
    findAccount: findAccountWith({ store, clock, audit, agencyCode: config.agency.code }),
    pairwiseIdentifier: (ctx: KoaContextWithOIDC, accountId: string, client: Client) => pairwiseSubjectOf(deps, ctx, accountId, client),
    subjectTypes: ['pairwise'],
    claims: claimsConfiguration(),
    acrValues: [ACR.aal2, ACR.aal3],
    conformIdTokenClaims: true,
    scopes: ['openid', 'profile', 'email', 'phone', 'address', ...RECEIVER_SCOPES],
    responseTypes: ['code', 'id_token'],
    clientAuthMethods: ['private_key_jwt', 'tls_client_auth'],
    interactions: { ...(deps.interactions.policy ? { policy: deps.interactions.policy } : {}), url: (ctx, interaction) => deps.interactions.url(ctx, interaction) },
    features: features(deps),
    extraClientMetadata: { properties: [...MUSTER_CLIENT_METADATA], validator: validateClientFal },
    extraParams: { fal: checkRequestFal },
    pkce: { required: () => true },
    routes: { ...OP_ROUTES },
    ttl: {
      IdToken: oidc.idTokenTtlSeconds,
      AccessToken: oidc.accessTokenTtlSeconds,
      AuthorizationCode: oidc.codeTtlSeconds,
      Interaction: 600,
      Session: (_ctx: unknown, session: { acr?: string }) => REAUTHENTICATION[aalOfAcr(session?.acr ?? '') ?? 'aal3'].maxAgeSeconds,
      Grant: REAUTHENTICATION.aal2.maxAgeSeconds,
    },
    cookies: { keys: new CookieSigner(deps.cookieKeys) },
    renderError,
    clockTolerance: CLOCK_TOLERANCE,
    assertJwtClientAuthClaimsAndHeader: clientAssertionRules(CLOCK_TOLERANCE),
    enabledJWA: {
      clientAuthSigningAlgValues: CLIENT_AUTH_ALGS,
      idTokenSigningAlgValues: ['RS256'],
      userinfoSigningAlgValues: ['RS256'],
      introspectionSigningAlgValues: ['RS256'],
      authorizationSigningAlgValues: ['RS256'],
      requestObjectSigningAlgValues: CLIENT_AUTH_ALGS,
      idTokenEncryptionAlgValues: ['RSA-OAEP-256', 'ECDH-ES'],
      idTokenEncryptionEncValues: ['A256GCM'],
      userinfoEncryptionAlgValues: ['RSA-OAEP-256', 'ECDH-ES'],
      userinfoEncryptionEncValues: ['A256GCM'],
    },
    clientBasedCORS: () => false,
    fetch: outboundFetch({ store, audit }),
    sectorIdentifierUriValidate: (client: Client) => metadataOf(client).registration !== 'agreement',
    ...(deps.mtlsOrigin ? { discovery: { mtls_endpoint_aliases: mtlsAliases(deps.issuer, deps.mtlsOrigin) } } : {}),
  };
}

function features(deps: ProviderDeps): Record<string, unknown> {
  return {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    // shared-signals receivers manage their streams with client-credentials tokens (CAEP interoperability profile)
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
    claimsParameter: { enabled: false },
    encryption: { enabled: true },
    mTLS: { enabled: true, tlsClientAuth: true, certificateBoundAccessTokens: false, getCertificate: peerCertificate, certificateAuthorized, certificateSubjectMatches },
    registration: { enabled: true, initialAccessToken: true, issueRegistrationAccessToken: true, policies: { [REGISTRATION_POLICY]: registrationPolicy(deps.store) } },
  };
}

/** extraClientMetadata.validator, run for each muster property; the FAL rules are checked once, on `fal`. */
function validateClientFal(_ctx: unknown, key: string, value: unknown, metadata: Record<string, unknown>): void {
  if (key !== 'fal') return;
  if (!isFal(value)) throw new errors.InvalidClientMetadata('fal must be fal1, fal2 or fal3');
  const problems = falMetadataProblems(value, metadata);
  if (problems.length > 0) throw new errors.InvalidClientMetadata(problems.join('; '));
}

/** Per-request FAL rules (and the optional `fal` parameter), run by oidc-provider on every authorization request. */
function checkRequestFal(ctx: KoaContextWithOIDC, value: unknown, client: Client): void {
  const fal = metadataOf(client).fal;
  if (!isFal(fal)) throw new errors.UnauthorizedClient('the client has no federation assurance level');
  const problem = requestedFalProblem(fal, value) ?? falRequestProblem(fal, ctx.oidc.params ?? {});
  if (problem) throw new errors.InvalidRequest(problem);
}

/** The endpoints a client may call on the mutual-TLS listener (same paths, another origin). */
function mtlsAliases(issuer: string, mtlsOrigin: string): Record<string, string> {
  const base = `${mtlsOrigin}${new URL(issuer).pathname.replace(/\/$/, '')}`;
  return { token_endpoint: `${base}/token`, userinfo_endpoint: `${base}/me`, introspection_endpoint: `${base}/token/introspection`, revocation_endpoint: `${base}/token/revocation` };
}

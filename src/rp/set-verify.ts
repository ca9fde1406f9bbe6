/**
 * Verifies a Security Event Token (RFC 8417 as profiled by SSF 1.0) against the transmitter's
 * keys, found through `<issuer>/.well-known/ssf-configuration` → `jwks_uri`. Refusals carry the
 * RFC 8935 error code.
 */
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose';
import type { FederatedIdentifier } from './assertion.ts';
import { RpError, type SetErrorCode } from './errors.ts';
import type { RpFetch } from './fetch.ts';

export interface VerifiedSet {
  readonly jti: string;
  readonly iat: number;
  readonly txn?: string;
  /** The subject as a federated identifier, when `sub_id` is `iss_sub` or `complex` with an `iss_sub` user. */
  readonly subject?: FederatedIdentifier;
  readonly subId: unknown;
  readonly events: Readonly<Record<string, Record<string, unknown>>>;
}

export interface SetVerifierOptions {
  /** The transmitter's issuer: the IdP's issuer identifier. */
  readonly issuer: string;
  /** This RP's client_id. */
  readonly audience: string;
  readonly fetch?: RpFetch;
  /** Allow an http:// transmitter. For loopback tests only. */
  readonly allowInsecureHttp?: boolean;
}

const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];

export function createSetVerifier(options: SetVerifierOptions): (compact: string) => Promise<VerifiedSet> {
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const jwks = () =>
    (keys ??= transmitterKeys(options).catch((error: unknown) => {
      keys = undefined;
      throw error;
    }));
  return async (compact) => {
    const getKey = await jwks();
    try {
      const { payload } = await jwtVerify(compact, getKey, { issuer: options.issuer, audience: options.audience, typ: 'secevent+jwt', algorithms: ALGORITHMS, requiredClaims: ['iat', 'jti'] });
      return readSet(payload);
    } catch (error) {
      throw error instanceof RpError ? error : refusal(error);
    }
  };
}

/** SSF §6.2: the configuration sits between host and path, like RFC 8414. */
export function ssfConfigurationUrl(issuer: string): URL {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  return new URL(`/.well-known/ssf-configuration${path}`, url.origin);
}

async function transmitterKeys(options: SetVerifierOptions) {
  const configuration = await readJson(ssfConfigurationUrl(options.issuer), options);
  if (configuration.issuer !== options.issuer) throw new RpError('RP_ERR_DISCOVERY', `the SSF configuration names issuer ${String(configuration.issuer)}, not ${options.issuer}`);
  if (typeof configuration.jwks_uri !== 'string') throw new RpError('RP_ERR_DISCOVERY', 'the SSF configuration has no jwks_uri');
  const jwksUri = checkedUrl(configuration.jwks_uri, options);
  return createRemoteJWKSet(jwksUri, options.fetch ? { [customFetch]: options.fetch as never } : {});
}

async function readJson(url: URL, options: SetVerifierOptions): Promise<Record<string, unknown>> {
  checkedUrl(url.href, options);
  const fetcher = options.fetch ?? ((u: string, init) => fetch(u, init as RequestInit));
  try {
    const response = await fetcher(url.href, { method: 'GET', headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  } catch (error) {
    throw new RpError('RP_ERR_DISCOVERY', `cannot read ${url.href}: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
  }
}

function checkedUrl(href: string, options: SetVerifierOptions): URL {
  const url = new URL(href);
  if (url.protocol !== 'https:' && !(options.allowInsecureHttp && url.protocol === 'http:')) throw new RpError('RP_ERR_DISCOVERY', `${href} is not an https URL`);
  return url;
}

function readSet(payload: JWTPayload): VerifiedSet {
  if (payload.sub !== undefined) throw setError('invalid_request', 'a SET must not carry sub; the subject is sub_id');
  if (payload.exp !== undefined) throw setError('invalid_request', 'a SET must not carry exp');
  const events = payload.events;
  if (typeof events !== 'object' || events === null || Array.isArray(events) || Object.keys(events).length === 0) throw setError('invalid_request', 'events must be an object with at least one event');
  if (payload.sub_id === undefined) throw setError('invalid_request', 'sub_id is required');
  const subject = federatedSubject(payload.sub_id);
  return {
    jti: payload.jti as string,
    iat: payload.iat as number,
    ...(typeof payload.txn === 'string' ? { txn: payload.txn } : {}),
    ...(subject ? { subject } : {}),
    subId: payload.sub_id,
    events: events as VerifiedSet['events'],
  };
}

/** `iss_sub`, or `complex` whose `user` is `iss_sub` (RFC 9493, SSF §3). */
export function federatedSubject(subId: unknown): FederatedIdentifier | undefined {
  const value = subId as Record<string, unknown> | null;
  if (typeof value !== 'object' || value === null) return undefined;
  if (value.format === 'complex') return federatedSubject(value.user);
  if (value.format !== 'iss_sub') return undefined;
  if (typeof value.iss !== 'string' || typeof value.sub !== 'string' || value.iss === '' || value.sub === '') throw setError('invalid_request', 'an iss_sub subject needs iss and sub');
  return { iss: value.iss, sub: value.sub };
}

export function setError(setErr: SetErrorCode, description: string): RpError {
  return new RpError('RP_ERR_SIGNAL', description, { setErr });
}

function refusal(error: unknown): RpError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return setError('invalid_issuer', message);
    if (error.claim === 'aud') return setError('invalid_audience', message);
    return setError('invalid_request', `${error.claim}: ${message}`);
  }
  if (error instanceof errors.JWKSTimeout || (error instanceof Error && !(error instanceof errors.JOSEError))) {
    return new RpError('RP_ERR_DISCOVERY', `the transmitter's keys cannot be read: ${message}`, {}, { cause: error });
  }
  const keyProblem =
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSEAlgNotAllowed;
  return setError(keyProblem ? 'invalid_key' : 'invalid_request', message);
}

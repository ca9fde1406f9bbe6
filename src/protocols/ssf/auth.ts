import { type JWTVerifyGetKey, createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { JwksCache, Resolver } from '../../connectors/outbound/index.ts';
import type { Clock } from '../../core/clock.ts';
import { agreementOfClient } from '../../federation/agreements.ts';
import type { Store } from '../../store/store.ts';
import { storedPayload } from '../oidc/adapter.ts';
import { rpFetch } from '../rp-outbound.ts';
import { MANAGE_SCOPE, READ_SCOPE, type ReceiverAuthenticator } from './receiver.ts';

/** The longest lifetime a receiver bearer assertion may have (exp − now), seconds. */
export const RECEIVER_ASSERTION_MAX_SECONDS = 300;

function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header?.trim() ?? '');
  return match?.[1];
}

/**
 * Receivers authenticated by an OAuth 2.0 access token from muster's OP (client credentials grant, CAEP
 * interoperability profile): the token as the OP stored it, unexpired, of a client whose agreement is active, with
 * its `ssf.manage` / `ssf.read` scopes.
 */
export function clientCredentialsAuthenticator(deps: { readonly store: Store; readonly clock: Clock }): ReceiverAuthenticator {
  return async (header) => {
    const value = bearerOf(header);
    if (!value) return undefined;
    const token = await storedPayload(deps.store, 'ClientCredentials', value);
    const expired = typeof token?.exp !== 'number' || token.exp * 1000 <= deps.clock.now().getTime();
    if (!token || expired || typeof token.clientId !== 'string') return undefined;
    if (!(await agreementOfClient(deps.store, token.clientId))) return undefined;
    return {
      clientId: token.clientId,
      scopes: String(token.scope ?? '')
        .split(' ')
        .filter(Boolean),
    };
  };
}

export interface AssertionAuthenticatorDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** The transmitter issuer: the assertion's required `aud`. */
  readonly issuer: string;
  /** Key sets fetched from agreements' `jwksUri`s: one cache for the process, so a flood of assertions fetches each at most once per floor interval. */
  readonly jwks: JwksCache;
  readonly resolver?: Resolver;
}

/**
 * Receivers authenticated by a short-lived JWT signed with the key their trust agreement lists (as for
 * `private_key_jwt`): `iss` = `sub` = client id, `aud` = the transmitter issuer, `exp` at most 5 minutes ahead,
 * `jti` accepted once. Such a receiver holds `ssf.manage` and `ssf.read` for its own stream.
 */
export function clientAssertionAuthenticator(deps: AssertionAuthenticatorDeps): ReceiverAuthenticator {
  return async (header) => {
    const value = bearerOf(header);
    if (!value) return undefined;
    const clientId = claimedClient(value);
    if (!clientId) return undefined;
    const keys = await keysOf(deps, clientId);
    if (!keys) return undefined;
    const now = deps.clock.now();
    const verified = await jwtVerify(value, keys, { issuer: clientId, subject: clientId, audience: deps.issuer, currentDate: now, requiredClaims: ['exp', 'jti'] }).catch(() => undefined);
    if (!verified) return undefined;
    const { exp, jti } = verified.payload as { exp: number; jti: string };
    if (exp - now.getTime() / 1000 > RECEIVER_ASSERTION_MAX_SECONDS) return undefined;
    if (!(await firstUse(deps.store, jti, clientId, new Date(exp * 1000), now))) return undefined;
    return { clientId, scopes: [MANAGE_SCOPE, READ_SCOPE] };
  };
}

function claimedClient(jwt: string): string | undefined {
  try {
    const { iss } = decodeJwt(jwt);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

type KeySet = Parameters<typeof createLocalJWKSet>[0];

/** The agreement's keys, or its `jwksUri`'s through the cache (fetched under the RP's address policy); undefined when none can be had. */
async function keysOf(deps: AssertionAuthenticatorDeps, clientId: string): Promise<JWTVerifyGetKey | undefined> {
  const rp = (await agreementOfClient(deps.store, clientId))?.rp;
  if (rp?.jwks) return createLocalJWKSet(rp.jwks as KeySet);
  if (!rp?.jwksUri) return undefined;
  const fetched = await deps.jwks.keySet(rp.jwksUri, rpFetch(rp, deps.resolver ? { resolver: deps.resolver } : {})).catch(() => undefined);
  return fetched ? createLocalJWKSet(fetched as unknown as KeySet) : undefined;
}

/** Records the jti; false when it was seen before (a replay). Expired records are swept on the way. */
async function firstUse(store: Store, jti: string, clientId: string, expiresAt: Date, now: Date): Promise<boolean> {
  await store.query('DELETE FROM ssf_receiver_assertions WHERE expires_at < $1', [now]);
  const rows = await store.query('INSERT INTO ssf_receiver_assertions (jti, client_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING RETURNING jti', [
    `${clientId}:${jti}`,
    clientId,
    expiresAt,
  ]);
  return rows.length === 1;
}

import type { Provider } from 'oidc-provider';
import { type AddressPolicy, outboundClient } from '../connectors/outbound/index.ts';
import { purgeExpiredPayloads } from '../protocols/oidc/adapter.ts';
import { purgeExpiredSteps } from '../protocols/oidc/interactions/steps.ts';
import { cookieKeys } from '../protocols/oidc/cookie-keys.ts';
import { currentJwks, currentKids, jwksFingerprint, maintainSigningKeys, type KeySchedule } from '../protocols/oidc/keys.ts';
import { oidcListener, type InteractionHandler, type RawListener } from '../protocols/oidc/listener.ts';
import { endLoginsOfIdentity } from '../protocols/oidc/login-record.ts';
import { startMtlsListener, type RunningHttps } from '../protocols/oidc/mtls.ts';
import { rateLimitedOp } from '../protocols/oidc/rate-limit.ts';
import type { ConnectionRefused } from '../protocols/listener-limits.ts';
import { createProvider, type OpInteractions, type ProviderDeps } from '../protocols/oidc/provider.ts';
import { interactionPathOf } from '../protocols/oidc/routes.ts';
import type { Queryable, Tx } from '../store/store.ts';
import { type LogoutOrder, queueBackchannelLogouts, sessionClientsOf } from '../protocols/oidc/backchannel-logout.ts';
import type { Muster } from './context.ts';
import { federationIssuer } from '../federation/issuer.ts';
import { mtlsServerCredentials } from './tls-server.ts';

/** The OP's records that belong to an account and end with its sessions. */
export const OP_MODELS_OF_ACCOUNT = ['Session', 'Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode'];
const MAINTENANCE_MS = 3_600_000;
const MAINTENANCE_JITTER_MS = 60_000;
/** The periodic task that rotates the OP's signing keys when due and purges expired rows (hourly). */
export const OIDC_MAINTENANCE_TASK = 'oidc.maintenance';

/** The interactions the OP is built with: its policy and URL, and the pages behind `<issuer>/interaction/*`. */
export interface FederationInteractions extends OpInteractions {
  readonly handle?: InteractionHandler;
}

export interface FederationOptions {
  /** The issuer; default `federation.oidc.issuer`, else `http://<server.host>:<server.port>/oidc`. */
  readonly issuer?: string;
  /** The sign-in and consent pages (src/protocols/oidc/interactions); without them every sign-in is refused. */
  readonly interactions?: FederationInteractions;
  readonly onError?: (error: unknown) => void;
  /** A request the OP answered `server_error`: the error with its stack, for the log. */
  readonly onServerError?: ProviderDeps['onServerError'];
  /** PEM trust anchors of other agencies: the mutual-TLS listener names them to the browser. */
  readonly foreignAnchors?: readonly string[];
  /** PEM intermediate CAs of other agencies: named to the browser too, so that it offers cards they issued. */
  readonly foreignIntermediates?: readonly string[];
  /** Told of every connection the mutual-TLS listener closes at once past a cap (for /metrics). */
  readonly onConnectionRefused?: ConnectionRefused;
}

export interface RunningFederation {
  /** The provider in force now (rebuilt when the signing keys change). */
  readonly provider: Provider;
  readonly issuer: string;
  readonly listener: RawListener;
  readonly mtls: RunningHttps;
  /** Ends the identity's sessions, grants, codes and tokens, and its sign-in records, at once; queues back-channel logouts. */
  endSessions(identityId: string): Promise<string[]>;
  /** Rotates keys when due and purges expired rows (also run hourly). */
  maintain(): Promise<void>;
  close(): Promise<void>;
}

/** Deletes the identity's OP sessions, grants, codes and tokens and ends its sign-in records; returns the sessions ended. */
export async function endIdentitySessions(db: Queryable, identityId: string, at: Date): Promise<string[]> {
  await db.query('DELETE FROM oidc_payloads WHERE account_id = $1 AND model = ANY($2)', [identityId, OP_MODELS_OF_ACCOUNT]);
  return endLoginsOfIdentity(db, identityId, at);
}

/** What ending sessions came to: the sessions ended and the back-channel logouts queued. */
export interface EndedSessions {
  readonly sessions: string[];
  readonly logouts: LogoutOrder[];
  /** Grants, codes and tokens deleted with them (counted when only one RP's are). */
  readonly grantsAndTokens?: number;
}

/**
 * Ends the identity's sessions (all of them, or those signed in with `credentialId`) and queues a back-channel logout
 * to every relying party they signed in to that registered a logout URI, in the caller's transaction.
 */
export async function endSessionsWithLogout(tx: Tx, identityId: string, at: Date, options: { credentialId?: string; eventId?: unknown } = {}): Promise<EndedSessions> {
  const uids = options.credentialId === undefined ? undefined : await sessionsOfCredential(tx, identityId, options.credentialId);
  const clients = await sessionClientsOf(tx, identityId, uids);
  const sessions = uids === undefined ? await endIdentitySessions(tx, identityId, at) : await endSessionsByUid(tx, identityId, uids, at);
  return { sessions, logouts: await queueBackchannelLogouts(tx, identityId, clients, at, options.eventId) };
}

/**
 * Ends the identity's sessions at one relying party only (its access to that RP ended): the RP's place in each OP
 * session, and the grants, codes and tokens issued to it; queues a back-channel logout to it where it registered one.
 * The sessions stay signed in at the other RPs. Answers the OP sessions the RP was taken out of.
 */
export async function endSessionsAtClient(tx: Tx, identityId: string, clientId: string, at: Date, eventId?: unknown): Promise<EndedSessions> {
  const clients = (await sessionClientsOf(tx, identityId)).filter((c) => c.clientId === clientId);
  const sessions = await tx.query<{ uid: string }>(
    `UPDATE oidc_payloads SET payload = payload #- ARRAY['authorizations', $2::text] WHERE model = 'Session' AND account_id = $1 AND payload -> 'authorizations' -> $2::text IS NOT NULL RETURNING uid`,
    [identityId, clientId],
  );
  const issued = await tx.query<{ model: string }>(`DELETE FROM oidc_payloads WHERE account_id = $1 AND model = ANY($2) AND payload ->> 'clientId' = $3 RETURNING model`, [
    identityId,
    OP_MODELS_OF_ACCOUNT.filter((m) => m !== 'Session'),
    clientId,
  ]);
  const logouts = await queueBackchannelLogouts(tx, identityId, clients, at, eventId);
  return { sessions: sessions.map((s) => s.uid), logouts, grantsAndTokens: issued.length };
}

async function sessionsOfCredential(db: Queryable, identityId: string, credentialId: string): Promise<string[]> {
  const rows = await db.query<{ session_uid: string }>('SELECT session_uid FROM oidc_logins WHERE identity_id = $1 AND credential_id = $2 AND ended_at IS NULL', [identityId, credentialId]);
  return rows.map((r) => r.session_uid);
}

/** Deletes the sessions with these uids and the codes and tokens issued in them, and ends their sign-in records. */
async function endSessionsByUid(db: Queryable, identityId: string, uids: readonly string[], at: Date): Promise<string[]> {
  if (uids.length === 0) return [];
  await db.query("DELETE FROM oidc_payloads WHERE account_id = $1 AND ((model = 'Session' AND uid = ANY($2)) OR (model = ANY($3) AND payload ->> 'sessionUid' = ANY($2)))", [
    identityId,
    uids,
    OP_MODELS_OF_ACCOUNT.filter((m) => m !== 'Session' && m !== 'Grant'),
  ]);
  const rows = await db.query<{ session_uid: string }>('UPDATE oidc_logins SET ended_at = $3 WHERE identity_id = $1 AND session_uid = ANY($2) AND ended_at IS NULL RETURNING session_uid', [
    identityId,
    uids,
    at,
  ]);
  return rows.map((r) => r.session_uid);
}

/** muster's own issuer, wherever the operator put it; metadata addresses are still refused. */
const OWN_ISSUER: AddressPolicy = { allow: 'any', source: 'federation.oidc.issuer' };

/** The OP's discovery document, as relying parties read it (for the signed entity configuration). */
export async function discoveryDocument(issuer: string): Promise<Record<string, unknown>> {
  const response = await outboundClient({ policy: OWN_ISSUER, timeoutMs: 5000 })(`${issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`discovery answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

function keySchedule(ctx: Muster): KeySchedule {
  const oidc = ctx.config.federation.oidc;
  return { rotationDays: oidc.keyRotationDays, maxTokenTtlSeconds: Math.max(oidc.idTokenTtlSeconds, oidc.accessTokenTtlSeconds, 120) };
}

/** Interactions for an OP started without sign-in pages: every sign-in ends at an error page below the issuer's path. */
function noSignIn(issuer: string): FederationInteractions {
  return {
    url: (_ctx, interaction) => `${interactionPathOf(issuer)}/${interaction.uid}`,
    handle: async (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('PIV sign-in is not available on this server.');
      return true;
    },
  };
}

/**
 * Starts muster's OpenID Provider: the signing keys brought up to date, the provider built over the store, the
 * mutual-TLS listener on `federation.mtls` with a server certificate from muster's TLS CA (or the configured one), and an hourly check that
 * rotates keys (rebuilding the provider) and purges expired rows, run by the process's scheduler.
 */
export async function startFederation(ctx: Muster, options: FederationOptions = {}): Promise<RunningFederation> {
  const issuer = options.issuer ?? federationIssuer(ctx.config);
  const interactions = options.interactions ?? noSignIn(issuer);
  const schedule = keySchedule(ctx);
  await maintainSigningKeys(ctx.store, ctx.keyVault, ctx.clock, schedule);
  const keys = await cookieKeys(ctx.store, ctx.keyVault);
  let provider: Provider | undefined;
  let mtlsOrigin = '';
  const audit = { store: ctx.store, audit: ctx.audit, refusals: ctx.refusals };
  const own = oidcListener({ issuer, provider: () => provider as Provider, interactions, mtlsOrigin: () => mtlsOrigin, audit, ...(options.onError ? { onError: options.onError } : {}) });
  const listener = rateLimitedOp(own, issuer, { limiter: ctx.rateLimiter, clock: ctx.clock });
  const mtls = await startMtls(ctx, issuer, listener, options);
  mtlsOrigin = mtls.origin;
  const build = async (): Promise<{ provider: Provider; fingerprint: string }> => {
    const jwks = await currentJwks(ctx.store, ctx.keyVault, ctx.clock);
    const deps: ProviderDeps = {
      store: ctx.store,
      clock: ctx.clock,
      audit: ctx.audit,
      refusals: ctx.refusals,
      config: ctx.config,
      issuer,
      interactions,
      jwks,
      cookieKeys: keys,
      mtlsOrigin: mtls.origin,
      ...(options.onError ? { onAuditError: options.onError } : {}),
      ...(options.onServerError ? { onServerError: options.onServerError } : {}),
    };
    return { provider: createProvider(deps), fingerprint: jwksFingerprint(jwks) };
  };
  let built = await build();
  provider = built.provider;
  const maintain = async () => {
    await maintainSigningKeys(ctx.store, ctx.keyVault, ctx.clock, schedule);
    await purgeExpiredPayloads(ctx.store, ctx.clock.now());
    await purgeExpiredSteps(ctx.store, ctx.clock.now());
    if (jwksFingerprint(await currentKids(ctx.store, ctx.clock)) === built.fingerprint) return;
    built = await build();
    provider = built.provider;
  };
  ctx.scheduler.add({ name: OIDC_MAINTENANCE_TASK, everyMs: MAINTENANCE_MS, jitterMs: MAINTENANCE_JITTER_MS, run: maintain });
  return {
    get provider() {
      return built.provider;
    },
    issuer,
    listener,
    mtls,
    maintain,
    endSessions: (identityId) => ctx.store.transaction(async (tx) => (await endSessionsWithLogout(tx, identityId, ctx.clock.now())).sessions),
    close: async () => {
      await ctx.scheduler.remove(OIDC_MAINTENANCE_TASK);
      await mtls.close();
    },
  };
}

async function startMtls(ctx: Muster, issuer: string, listener: RawListener, options: FederationOptions): Promise<RunningHttps> {
  const { host, port, hostnames } = ctx.config.federation.mtls;
  const credentials = await mtlsServerCredentials(ctx, hostnames);
  const ca = [...credentials.ca, ...(options.foreignAnchors ?? []), ...(options.foreignIntermediates ?? [])];
  const refused = options.onConnectionRefused ? { onRefused: options.onConnectionRefused } : {};
  const running = await startMtlsListener({ host, port, credentials: { ...credentials, ca }, listener, limits: ctx.config.server.limits, ...refused });
  // the issuer's host name when the certificate carries it, so that the browser stays on one host
  const issuerHost = new URL(issuer).hostname.replace(/^\[|\]$/g, '');
  const name = hostnames.includes(issuerHost) ? issuerHost : (hostnames[0] ?? host);
  return { ...running, origin: `https://${name.includes(':') ? `[${name}]` : name}:${running.port}` };
}

import { randomUUID } from 'node:crypto';
import { SignJWT, importJWK } from 'jose';
import type { KeyVault } from '../../core/key-vault.ts';
import type { OutboundFetch } from '../../connectors/outbound/index.ts';
import type { Clock } from '../../core/clock.ts';
import { JOB_PRIORITY } from '../../core/events.ts';
import { isHttpsOrLoopback } from '../../core/federation/agreement.ts';
import { agreementOfClient } from '../../federation/agreements.ts';
import { rpSubjectsOf } from '../../federation/rp-subjects.ts';
import type { JobHandler } from '../../lifecycle/handlers.ts';
import type { Queryable, Tx } from '../../store/store.ts';
import { type RpFetchOptions, rpFetch } from '../rp-outbound.ts';
import { storedPayload } from './adapter.ts';
import { activeJwk } from './keys.ts';

/**
 * OpenID Connect Back-Channel Logout 1.0 from muster's side: when the lifecycle ends an identity's OP sessions (leaver,
 * leave, suspension, a card revoked), every relying party those sessions signed in to that registered a back-channel
 * logout URI is owed a logout token. Each is a durable outbox job: signed at each attempt with the OP's signing key,
 * POSTed like a pushed SET (https, http only on loopback, through the outbound guard: no special-use address
 * unless the agreement allows a private network, no redirects, a timeout), retried with back-off, dead-lettered
 * after the last attempt, and audited when delivered or refused.
 */

export const BACKCHANNEL_LOGOUT_JOB = 'federation.logout';
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
export const LOGOUT_TOKEN_TYPE = 'logout+jwt';
const LOGOUT_TOKEN_TTL_SECONDS = 120;
const DELIVERY_TIMEOUT_MS = 5000;

/** A client an OP session signed in to, with the session id (`sid`) it was given. */
export interface SessionClient {
  readonly clientId: string;
  readonly sid: string | undefined;
}

/** What a logout job carries: who is logged out at which RP, and where to. */
export interface LogoutOrder {
  readonly clientId: string;
  readonly identityId: string;
  readonly uri: string;
  readonly sub: string;
  readonly sid?: string;
  readonly jti: string;
}

/** The clients every OP session of the identity signed in to (read before the sessions are deleted). */
export async function sessionClientsOf(db: Queryable, identityId: string, sessionUids?: readonly string[]): Promise<SessionClient[]> {
  const rows = await db.query<{ payload: { authorizations?: Record<string, { sid?: string }> } }>(
    `SELECT payload FROM oidc_payloads WHERE model = 'Session' AND account_id = $1${sessionUids ? ' AND uid = ANY($2)' : ''}`,
    sessionUids ? [identityId, sessionUids] : [identityId],
  );
  return rows.flatMap((r) => Object.entries(r.payload.authorizations ?? {}).map(([clientId, a]) => ({ clientId, sid: typeof a.sid === 'string' ? a.sid : undefined })));
}

/** The back-channel logout URI a client registered: its agreement entry's, or a dynamic registration's. */
export async function backchannelLogoutUriOf(db: Queryable, clientId: string): Promise<string | undefined> {
  const found = await agreementOfClient(db, clientId);
  if (!found) return undefined;
  const uri = found.rp ? found.rp.backchannelLogoutUri : (await storedPayload(db, 'Client', clientId))?.backchannel_logout_uri;
  return typeof uri === 'string' && isHttpsOrLoopback(uri) ? uri : undefined;
}

/**
 * Queues one logout job per relying party (and session) that registered a back-channel logout URI, in the caller's
 * transaction, under the subject identifier the RP knows the identity by. Returns the orders queued.
 */
export async function queueBackchannelLogouts(tx: Tx, identityId: string, clients: readonly SessionClient[], at: Date, eventId?: unknown): Promise<LogoutOrder[]> {
  if (clients.length === 0) return [];
  const subs = new Map((await rpSubjectsOf(tx, identityId)).map((s) => [s.clientId, s.sub]));
  const orders: LogoutOrder[] = [];
  for (const { clientId, sid } of clients) {
    const uri = await backchannelLogoutUriOf(tx, clientId);
    const sub = subs.get(clientId);
    if (!uri || !sub) continue;
    orders.push({ clientId, identityId, uri, sub, ...(sid ? { sid } : {}), jti: randomUUID() });
  }
  for (const order of orders) {
    await tx.query(
      `INSERT INTO jobs (kind, idempotency_key, payload, status, run_after, event_id, created_at, updated_at, priority) VALUES ($1, $2, $3, 'pending', $4, $5, $4, $4, $6)
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [BACKCHANNEL_LOGOUT_JOB, `${BACKCHANNEL_LOGOUT_JOB}:${order.jti}`, order, at, typeof eventId === 'number' || typeof eventId === 'string' ? eventId : null, JOB_PRIORITY.urgent],
    );
  }
  return orders;
}

/** The logout token (Back-Channel Logout 1.0 §2.4), signed with the OP's active signing key. */
export async function logoutToken(db: Queryable, vault: KeyVault, clock: Clock, issuer: string, order: LogoutOrder): Promise<string> {
  const key = await activeJwk(db, vault, clock);
  if (!key) throw new Error('the OP has no signing key');
  const iat = Math.floor(clock.now().getTime() / 1000);
  const claims = { sub: order.sub, ...(order.sid ? { sid: order.sid } : {}), events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: String(key.alg ?? 'RS256'), kid: String(key.kid), typ: LOGOUT_TOKEN_TYPE })
    .setIssuer(issuer)
    .setAudience(order.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + LOGOUT_TOKEN_TTL_SECONDS)
    .setJti(order.jti)
    .sign(await importJWK(key, String(key.alg ?? 'RS256')));
}

/** What the RP answered: 200 or 204 done; 400 it refuses the token (no retry); anything else, or no answer, retry. */
type Answer = { kind: 'delivered' } | { kind: 'refused'; status: number; body: string } | { kind: 'retry'; error: string };

async function post(uri: string, token: string, fetch: OutboundFetch): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }),
    });
  } catch (error) {
    return { kind: 'retry', error: `back-channel logout to ${uri} failed: ${(error as Error).message}` };
  }
  const body = (await response.text().catch(() => '')).slice(0, 500);
  if (response.status === 200 || response.status === 204) return { kind: 'delivered' };
  if (response.status === 400) return { kind: 'refused', status: 400, body };
  return { kind: 'retry', error: `back-channel logout to ${uri} answered ${response.status}` };
}

/**
 * The handler of BACKCHANNEL_LOGOUT_JOB: signs and POSTs the token through the outbound client of the RP's agreement
 * entry; throws (the queue retries) when the RP is unreachable or its address is refused.
 */
export function backchannelLogoutHandler(issuer: () => string, vault: KeyVault, options: RpFetchOptions = {}): JobHandler {
  return async (job, tx, ctx) => {
    const order = job.payload as unknown as LogoutOrder;
    if (!order.uri || !isHttpsOrLoopback(order.uri)) throw new TypeError(`${BACKCHANNEL_LOGOUT_JOB} job ${job.id} has no https (or loopback) uri`);
    const rp = (await agreementOfClient(tx, order.clientId))?.rp;
    const fetch = rpFetch(rp, { timeoutMs: DELIVERY_TIMEOUT_MS, ...options });
    const answer = await post(order.uri, await logoutToken(tx, vault, ctx.clock, issuer(), order), fetch);
    if (answer.kind === 'retry') throw new Error(answer.error);
    const refused = answer.kind === 'refused';
    await ctx.audit.append(
      tx,
      [
        {
          actor: 'muster',
          action: refused ? 'oidc.logout.refused' : 'oidc.logout.delivered',
          target: order.identityId,
          reason: refused ? `the relying party answered 400: ${answer.body}` : 'back-channel logout',
          data: { client_id: order.clientId, uri: order.uri, jti: order.jti, sid: order.sid ?? null, attempt: job.attempts },
        },
      ],
      ctx.correlationId,
    );
  };
}

import type { Account, AccountClaims, Client, KoaContextWithOIDC } from 'oidc-provider';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import type { Fal, ReleasableAttribute } from '../../core/federation/profile.ts';
import { agreementOfClient, type ClientAgreement } from '../../federation/agreements.ts';
import { recordRpUse } from '../../federation/rp-subjects.ts';
import { sectorOf, subjectAtRp } from '../../federation/subjects.ts';
import type { Queryable, Store } from '../../store/store.ts';
import { assertionClaims, identityView, userinfoClaims, type IdentityView } from './claims.ts';
import { falOfClient } from './clients.ts';
import { loginOfSession, saveLogin, type LoginRecord } from './login-record.ts';
import { auditRefusal } from './refusals.ts';

/**
 * oidc-provider's `findAccount`: the account id is the MUR identity id. Every call (authorization, code exchange,
 * UserInfo) checks live that the identity is active and that the credential of the sign-in is still active, so a
 * leaver's code, token or UserInfo request fails at once, before any certificate revocation is published.
 */

export interface AccountDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly agencyCode: string;
}

/** What muster reads of the token oidc-provider looks an account up for (any of its token kinds). */
interface AccountToken {
  readonly sessionUid?: string | undefined;
  readonly clientId?: string | undefined;
}

type FindAccount = (ctx: KoaContextWithOIDC, accountId: string, token?: AccountToken) => Promise<Account | undefined>;

/**
 * oidc-provider looks an account up several times while answering one request; the answer of the first look-up (made
 * live, against the MUR) serves the rest of that request.
 */
export function findAccountWith(deps: AccountDeps): FindAccount {
  const find = liveFindAccount(deps);
  const perRequest = new WeakMap<KoaContextWithOIDC, Map<string, Promise<Account | undefined>>>();
  return (ctx, accountId, token) => {
    if (!ctx) return find(ctx, accountId, token);
    const key = `${accountId} ${token ? `${token.sessionUid ?? ''} ${token.clientId ?? ''}` : 'session'}`;
    const known = perRequest.get(ctx) ?? new Map<string, Promise<Account | undefined>>();
    perRequest.set(ctx, known);
    const found = known.get(key) ?? find(ctx, accountId, token);
    known.set(key, found);
    return found;
  };
}

function liveFindAccount(deps: AccountDeps): FindAccount {
  return async (ctx, accountId, token) => {
    const clientId = token?.clientId ?? ctx.oidc.client?.clientId;
    const identity = await identityView(deps.store, accountId);
    const refuse = async (reason: string) => {
      await auditRefusal(deps, { clientId, reason, ...(identity ? { identityId: identity.id } : {}) }, `oidc-${ctx.oidc.route}`);
      return undefined;
    };
    if (!identity || identity.status !== 'active') return refuse('identity-not-active');
    const sessionUid = token?.sessionUid ?? ctx.oidc.session?.uid;
    if (sessionUid && !token) await recordInteractionLogin(deps, ctx, identity.id, sessionUid);
    const login = sessionUid ? await loginOfSession(deps.store, sessionUid) : undefined;
    if (!login || login.identityId !== identity.id || login.endedAt || !(await credentialActive(deps.store, login.credentialId))) return refuse('credential-not-active');
    return { accountId, claims: (use) => claimsFor(deps, ctx, identity, login, use) };
  };
}

/** What the sign-in pages put beside `login` in the interaction result, for the OP to record against its session. */
export interface PivLogin {
  readonly credentialId: string;
  readonly credentialType: LoginRecord['credentialType'];
  readonly aal: LoginRecord['aal'];
  readonly certThumbprint?: string | null;
}

/**
 * When the authorization request resumes from a finished sign-in whose result carries `login.piv`, the sign-in is
 * recorded against the OP session here: the session's uid is known only once the login is applied to it.
 */
async function recordInteractionLogin(deps: AccountDeps, ctx: KoaContextWithOIDC, identityId: string, sessionUid: string): Promise<void> {
  const login = (ctx.oidc as { result?: { login?: { accountId?: string; piv?: PivLogin; amr?: string[]; ts?: number } } }).result?.login;
  if (!login?.piv || login.accountId !== identityId) return;
  const authTime = login.ts ? new Date(login.ts * 1000) : deps.clock.now();
  await saveLogin(deps.store, {
    sessionUid,
    identityId,
    credentialId: login.piv.credentialId,
    credentialType: login.piv.credentialType,
    aal: login.piv.aal,
    amr: login.amr ?? [],
    certThumbprint: login.piv.certThumbprint ?? null,
    authTime,
  });
}

/** Whether the credential a sign-in used is still active in the MUR. */
export async function credentialActive(db: Queryable, credentialId: string): Promise<boolean> {
  const [row] = await db.query<{ status: string }>('SELECT status FROM credentials WHERE id::text = $1', [credentialId]);
  return row?.status === 'active';
}

async function claimsFor(deps: AccountDeps, ctx: KoaContextWithOIDC, identity: IdentityView, login: LoginRecord, use: string): Promise<AccountClaims> {
  const client = ctx.oidc.client;
  const found = client ? await agreementOfClient(deps.store, client.clientId) : undefined;
  if (!client || !found) return { sub: identity.id };
  if (use !== 'id_token') return userinfoClaims(identity, agreedAttributes(found));
  const fal: Fal = falOfClient(found, client.metadata());
  const sub = await subjectOf(deps, identity.id, client);
  await recordRpUse(deps.store, identity.id, client.clientId, sub, deps.clock.now());
  return { sub: identity.id, ...assertionClaims({ identity, login, fal, rp: found.rp, agencyCode: deps.agencyCode, attributes: agreedAttributes(found) }) };
}

function agreedAttributes(found: ClientAgreement): ReleasableAttribute[] {
  return found.agreement.document.attributes.map((a) => a.name);
}

/** The pairwise subject of an identity at a client: of the agreement's sector, else of the (validated) sector identifier URI, else of the client alone. */
export function subjectOf(deps: Pick<AccountDeps, 'store' | 'clock'>, identityId: string, client: Client): Promise<string> {
  const agreed = client.metadata().sector;
  const sector = typeof agreed === 'string' && client.metadata().registration === 'agreement' ? agreed : sectorOf(client.clientId, client.sectorIdentifierUri);
  return subjectAtRp(deps.store, identityId, client.clientId, sector, deps.clock.now());
}

import type { Account, AccountClaims, Client, KoaContextWithOIDC } from 'oidc-provider';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import type { Fal, ReleasableAttribute } from '../../core/federation/profile.ts';
import { agreementOfClient, type ClientAgreement } from '../../federation/agreements.ts';
import { recordRpUse, rpUseAlongside } from '../../federation/rp-subjects.ts';
import { heldWrites } from './held-writes.ts';
import { sectorOf, subjectAtRp, subjectFor } from '../../federation/subjects.ts';
import { takeAlso } from './request-reads.ts';
import { PAIRWISE_READ, type PairwiseInputs } from './sign-in-subject.ts';
import type { Store } from '../../store/store.ts';
import { ROLES_CLAIM, assertionClaims, identityView, userinfoClaims, type IdentityView } from './claims.ts';
import { heldItems } from '../../governance/index.ts';
import { falOfClient, metadataOf } from './clients.ts';
import type { LoginRecord } from './login-record.ts';
import { oncePerRequest } from './request-state.ts';
import { type SessionRequest, sessionSignIn } from './session-sign-in.ts';
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
  return (ctx, accountId, token) => {
    if (!ctx) return find(ctx, accountId, token);
    const key = `${accountId} ${token ? `${token.sessionUid ?? ''} ${token.clientId ?? ''}` : 'session'}`;
    return oncePerRequest(ctx, ACCOUNT, key, () => find(ctx, accountId, token));
  };
}

const ACCOUNT = Symbol('muster.account');

function liveFindAccount(deps: AccountDeps): FindAccount {
  return async (ctx, accountId, token) => {
    const clientId = token?.clientId ?? ctx.oidc.client?.clientId;
    const sessionUid = token?.sessionUid ?? ctx.oidc.session?.uid;
    const subject = sessionUid ? (await sessionSignIn(deps, ctx as SessionRequest, sessionUid)).subject : undefined;
    const refuse = async (reason: string, identityId?: string) => {
      await auditRefusal(deps, { clientId, reason, ...(identityId ? { identityId } : {}) }, `oidc-${ctx.oidc.route}`);
      return undefined;
    };
    if (!subject || subject.identity.id !== accountId) {
      // no sign-in of this account behind the session: say whether the account itself is active
      const identity = await identityView(deps.store, accountId);
      return refuse(identity?.status === 'active' ? 'credential-not-active' : 'identity-not-active', identity?.id);
    }
    const { identity, login } = subject;
    if (identity.status !== 'active') return refuse('identity-not-active', identity.id);
    if (login.endedAt || subject.credentialStatus !== 'active') return refuse('credential-not-active', identity.id);
    return { accountId, claims: (use) => claimsFor(deps, ctx, identity, login, use) };
  };
}

async function claimsFor(deps: AccountDeps, ctx: KoaContextWithOIDC, identity: IdentityView, login: LoginRecord, use: string): Promise<AccountClaims> {
  const client = ctx.oidc.client;
  const found = client ? await agreementOfClient(deps.store, client.clientId) : undefined;
  if (!client || !found) return { sub: identity.id };
  if (use !== 'id_token') return userinfoClaims(identity, agreedAttributes(found));
  const fal: Fal = falOfClient(found, metadataOf(client));
  const sub = await pairwiseSubjectOf(deps, ctx, identity.id, client);
  // with the token's own writes and its audit entry when the request holds them (events.ts), else at once
  const held = heldWrites();
  if (held) held.alongside(rpUseAlongside(identity.id, client.clientId, sub, deps.clock.now()));
  else await recordRpUse(deps.store, identity.id, client.clientId, sub, deps.clock.now());
  const attributes = agreedAttributes(found);
  const roles = attributes.includes(ROLES_CLAIM) ? { [ROLES_CLAIM]: await heldItems(deps.store, identity.id, deps.clock.now()) } : {};
  return { sub: identity.id, ...assertionClaims({ identity, login, fal, rp: found.rp, agencyCode: deps.agencyCode, attributes }), ...roles };
}

function agreedAttributes(found: ClientAgreement): ReleasableAttribute[] {
  return found.agreement.document.attributes.map((a) => a.name);
}

const PAIRWISE = Symbol('muster.pairwiseSubject');

/** The pairwise subject, derived once per request for each account and client (oidc-provider and the claims ask repeatedly). */
export function pairwiseSubjectOf(deps: Pick<AccountDeps, 'store' | 'clock'>, ctx: KoaContextWithOIDC | undefined, accountId: string, client: Client): Promise<string> {
  if (!ctx) return subjectOf(deps, accountId, client);
  return oncePerRequest(ctx, PAIRWISE, `${accountId} ${client.clientId}`, () => subjectOf(deps, accountId, client));
}

/**
 * The pairwise subject of an identity at a client: of the agreement's sector, else of the (validated) sector identifier
 * URI, else of the client alone. Made from what the request read with its token when it did (the same query as
 * `subjectAtRp`'s), else read now.
 */
export function subjectOf(deps: Pick<AccountDeps, 'store' | 'clock'>, identityId: string, client: Client): Promise<string> {
  const metadata = metadataOf(client);
  const agreed = metadata.sector;
  const sector = typeof agreed === 'string' && metadata.registration === 'agreement' ? agreed : sectorOf(client.clientId, client.sectorIdentifierUri);
  const read = takeAlso<PairwiseInputs>(PAIRWISE_READ, `${identityId} ${client.clientId}`);
  if (read?.kept) return Promise.resolve(read.kept);
  if (read?.secret) return Promise.resolve(subjectFor(read.secret, sector));
  return subjectAtRp(deps.store, identityId, client.clientId, sector, deps.clock.now());
}

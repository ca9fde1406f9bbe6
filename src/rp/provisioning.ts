/**
 * What a sign-in does to the subscriber account: just-in-time provisioning on first sign-in,
 * attributes refreshed from UserInfo only when `updated_at` is newer than the cached one, and the
 * second half of the federated-identifier change procedure (SP 800-217 §5.3): the new identifier
 * signing in reactivates the account; the old one is refused.
 */
import { randomUUID } from 'node:crypto';
import { holdsIdentifier, type Account, type AccountChange, type AccountStore } from './accounts.ts';
import type { FederatedIdentifier, VerifiedAssertion } from './assertion.ts';
import { RpError } from './errors.ts';
import type { RpLog, SubscriberNotifier } from './notices.ts';
import type { SessionStore } from './sessions.ts';

export interface AccountServices {
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly notifier: SubscriberNotifier;
  readonly log: RpLog;
  readonly now?: () => Date;
}

export type ReadUserInfo = () => Promise<Record<string, unknown>>;

export async function resolveAccount(services: AccountServices, assertion: VerifiedAssertion, readUserInfo: ReadUserInfo): Promise<Account> {
  const found = await services.accounts.findByIdentifier(assertion.identifier);
  const account = found ? await admit(services, found, assertion.identifier) : provision(services, assertion);
  await refreshAttributes(services, account, assertion, readUserInfo);
  account.homeAgency = assertion.homeAgency;
  account.affiliations = [...assertion.affiliations];
  account.lastSignInAt = at(services);
  await services.accounts.save(account);
  return account;
}

async function admit(services: AccountServices, account: Account, identifier: FederatedIdentifier): Promise<Account> {
  const held = holdsIdentifier(account, identifier);
  if (held === 'retired') throw new RpError('RP_ERR_IDENTIFIER_INACTIVE', `${describe(identifier)} was replaced by an identifier change and is refused`);
  if (held === 'pending') await bindPending(services, account, identifier);
  if (account.state === 'inactive-pending-identifier-change') throw new RpError('RP_ERR_IDENTIFIER_INACTIVE', 'the account waits for its new federated identifier to sign in');
  if (account.state === 'disabled') throw new RpError('RP_ERR_ACCOUNT_DISABLED', 'the subscriber account is disabled');
  return account;
}

async function bindPending(services: AccountServices, account: Account, identifier: FederatedIdentifier): Promise<void> {
  account.identifiers.push(identifier);
  delete account.pendingIdentifier;
  if (account.state === 'inactive-pending-identifier-change') account.state = 'active';
  recordChange(services, account, { kind: 'identifier-bound', identifier, reason: 'the new federated identifier signed in' });
  await services.notifier.notify({ kind: 'identifier-bound', accountId: account.id, identifier });
  await services.log.record({ at: at(services), event: 'identifier-bound', accountId: account.id, identifier });
  await services.accounts.save(account);
}

function provision(services: AccountServices, assertion: VerifiedAssertion): Account {
  const account: Account = {
    id: randomUUID(),
    state: 'active',
    identifiers: [assertion.identifier],
    retiredIdentifiers: [],
    homeAgency: assertion.homeAgency,
    affiliations: [...assertion.affiliations],
    attributes: {},
    createdAt: at(services),
    changes: [],
  };
  recordChange(services, account, { kind: 'provisioned', identifier: assertion.identifier });
  return account;
}

async function refreshAttributes(services: AccountServices, account: Account, assertion: VerifiedAssertion, readUserInfo: ReadUserInfo): Promise<void> {
  if (!needsRefresh(account, assertion)) return;
  const userinfo = await readUserInfo();
  account.attributes = Object.fromEntries(assertion.agreement.attributes.filter((name) => userinfo[name] !== undefined).map((name) => [name, userinfo[name]]));
  account.attributesUpdatedAt = assertion.updatedAt;
  delete account.attributesStale;
  recordChange(services, account, { kind: 'attributes-refreshed' });
}

/** SP 800-217 §6.1.1: the RP uses `updated_at` to decide when to refresh its cache. */
export function needsRefresh(account: Account, assertion: VerifiedAssertion): boolean {
  if (assertion.agreement.attributes.length === 0) return false;
  if (account.attributesStale || account.attributesUpdatedAt === undefined) return true;
  return assertion.updatedAt > account.attributesUpdatedAt;
}

export function recordChange(services: AccountServices, account: Account, change: Omit<AccountChange, 'at'>): void {
  account.changes.push({ at: at(services), ...change });
}

export function at(services: Pick<AccountServices, 'now'>): string {
  return (services.now?.() ?? new Date()).toISOString();
}

export function describe(identifier: FederatedIdentifier): string {
  return `${identifier.iss} ${identifier.sub}`;
}

/**
 * The actions a trust agreement may attach to a shared signal, applied to one subscriber account.
 * Each records the change on the account and in the RP's log.
 */
import { sameIdentifier, type Account } from './accounts.ts';
import type { FederatedIdentifier } from './assertion.ts';
import type { SignalAction } from './profile.ts';
import { at, describe, recordChange, type AccountServices } from './provisioning.ts';

export interface ActionContext {
  /** The signal that asked for the action, for the records. */
  readonly reason: string;
  /** The federated identifier the signal is about. */
  readonly subject: FederatedIdentifier;
  /** For `change-identifier`: the new federated identifier. */
  readonly newIdentifier?: FederatedIdentifier;
}

type Action = (services: AccountServices, account: Account, context: ActionContext) => Promise<void>;

const ACTIONS: Readonly<Record<SignalAction, Action>> = {
  'end-sessions': endSessions,
  'disable-account': disableAccount,
  'enable-account': enableAccount,
  'delete-account': deleteAccount,
  'refresh-attributes': markStale,
  'change-identifier': changeIdentifier,
  review: markForReview,
};

export async function applyAction(services: AccountServices, action: SignalAction, account: Account, context: ActionContext): Promise<void> {
  await ACTIONS[action](services, account, context);
}

export async function endSessions(services: AccountServices, account: Account, context: ActionContext): Promise<void> {
  const ended = await services.sessions.deleteForAccount(account.id);
  await services.log.record({ at: at(services), event: 'sessions-ended', accountId: account.id, detail: `${ended} session(s); ${context.reason}` });
}

async function disableAccount(services: AccountServices, account: Account, context: ActionContext): Promise<void> {
  if (account.state === 'active') account.state = 'disabled';
  recordChange(services, account, { kind: 'disabled', reason: context.reason });
  await services.accounts.save(account);
  await endSessions(services, account, context);
}

async function enableAccount(services: AccountServices, account: Account, context: ActionContext): Promise<void> {
  if (account.state === 'disabled') account.state = 'active';
  recordChange(services, account, { kind: 'enabled', reason: context.reason });
  await services.accounts.save(account);
  await services.log.record({ at: at(services), event: 'account-enabled', accountId: account.id, detail: context.reason });
}

/** SP 800-63C §3.7: delete the account and its attributes; keep the identifiers in the RP's log. */
async function deleteAccount(services: AccountServices, account: Account, context: ActionContext): Promise<void> {
  await services.sessions.deleteForAccount(account.id);
  await services.accounts.delete(account.id);
  for (const identifier of [...account.identifiers, ...account.retiredIdentifiers]) {
    await services.log.record({ at: at(services), event: 'account-deleted', accountId: account.id, identifier, detail: context.reason });
  }
}

async function markStale(services: AccountServices, account: Account, context: ActionContext): Promise<void> {
  account.attributesStale = true;
  recordChange(services, account, { kind: 'attributes-stale', reason: context.reason });
  await services.accounts.save(account);
}

async function markForReview(services: AccountServices, account: Account, context: ActionContext): Promise<void> {
  recordChange(services, account, { kind: 'review', reason: context.reason });
  await services.accounts.save(account);
  await services.log.record({ at: at(services), event: 'review', accountId: account.id, detail: context.reason });
}

/**
 * SP 800-217 §5.3, first half: the account becomes inactive until the new identifier signs in,
 * the old identifier is refused from now on, the change is recorded and the subscriber told.
 */
async function changeIdentifier(services: AccountServices, account: Account, context: ActionContext): Promise<void> {
  const next = context.newIdentifier;
  if (!next) return markForReview(services, account, { ...context, reason: `${context.reason}: no new identifier given` });
  const holder = await services.accounts.findByIdentifier(next);
  if (holder && holder.id !== account.id) return markForReview(services, account, { ...context, reason: `${context.reason}: ${describe(next)} already belongs to account ${holder.id}` });
  const old = context.subject;
  account.identifiers = account.identifiers.filter((i) => !sameIdentifier(i, old));
  account.retiredIdentifiers.push(old);
  account.pendingIdentifier = next;
  if (account.state === 'active') account.state = 'inactive-pending-identifier-change';
  recordChange(services, account, { kind: 'identifier-unbound', identifier: old, reason: `${context.reason}; replaced by ${describe(next)}` });
  await services.accounts.save(account);
  await services.sessions.deleteForAccount(account.id);
  await services.notifier.notify({ kind: 'identifier-unbound', accountId: account.id, identifier: old, reason: context.reason });
  await services.log.record({ at: at(services), event: 'identifier-unbound', accountId: account.id, identifier: old, detail: `replaced by ${describe(next)}` });
}

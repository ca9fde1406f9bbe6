import type { AccountFields } from './account-fields.ts';
import type { DesiredAccess, DesiredEntitlement } from './evaluate.ts';

/** An account as muster last recorded it. `archived` accounts are kept disabled for the audit trail. */
export interface CurrentAccount {
  readonly target: string;
  readonly key: string;
  readonly status: 'enabled' | 'disabled' | 'archived' | 'deleted';
  readonly fields: AccountFields;
}

export interface CurrentEntitlement {
  readonly target: string;
  readonly group: string;
  readonly privileged: boolean;
  readonly status: 'active' | 'suspended';
  readonly policies: readonly string[];
}

export interface CurrentAccess {
  readonly accounts: readonly CurrentAccount[];
  readonly entitlements: readonly CurrentEntitlement[];
}

export type AccountAction = 'create' | 'enable' | 'disable' | 'update' | 'rename';

export interface AccountChange {
  readonly target: string;
  /** The login the account has after the change. */
  readonly key: string;
  /** The login it had, when the identity's account key changed (a new employee number or email): the account is renamed. */
  readonly previousKey?: string;
  readonly action: AccountAction;
  readonly fields: AccountFields;
  /** Fields whose value changes (create: every field). */
  readonly changedFields: readonly string[];
  readonly reason: string;
}

export interface EntitlementChange {
  readonly target: string;
  readonly group: string;
  readonly privileged: boolean;
  readonly policies: readonly string[];
  readonly reason: string;
  /** Granted but held back by a condition: recorded, not given to the target until the condition clears. */
  readonly held?: boolean;
  /** Removed because the certification campaign of this id revoked it. */
  readonly campaign?: string;
}

/** What moving an identity from its current access to its desired access does. */
export interface AccessChange {
  readonly accounts: readonly AccountChange[];
  readonly granted: readonly EntitlementChange[];
  readonly removed: readonly EntitlementChange[];
  readonly suspended: readonly EntitlementChange[];
  readonly resumed: readonly EntitlementChange[];
  /** Targets where anything changes (each gets one provisioning operation). */
  readonly targets: readonly string[];
}

const entitlementKey = (e: { target: string; group: string }) => `${e.target}\u0000${e.group}`;

/**
 * The change from `current` to `desired`; `why` says why the identity's access is being
 * recomputed (e.g. "identity.leaver"), for the reasons recorded with each removal.
 */
export function diffAccess(current: CurrentAccess, desired: DesiredAccess, why: string): AccessChange {
  const accounts = diffAccounts(current, desired, why);
  const { granted, removed, suspended, resumed } = diffEntitlements(current, desired, why);
  const targets = new Set([...accounts, ...granted, ...removed, ...suspended, ...resumed].map((c) => c.target));
  return { accounts, granted, removed, suspended, resumed, targets: [...targets].sort() };
}

export function isEmptyChange(change: AccessChange): boolean {
  return change.targets.length === 0;
}

function diffAccounts(current: CurrentAccess, desired: DesiredAccess, why: string): AccountChange[] {
  const changes: AccountChange[] = [];
  const have = new Map(current.accounts.map((a) => [a.target, a]));
  for (const want of desired.accounts) {
    const had = have.get(want.target);
    have.delete(want.target);
    const justified = `justified by ${want.policies.join(', ')}`;
    if (!had) {
      if (want.state === 'enabled')
        changes.push({ target: want.target, key: want.key, action: 'create', fields: want.fields, changedFields: Object.keys(want.fields).sort(), reason: `${why}: ${justified}` });
      continue;
    }
    const changedFields = fieldChanges(had.fields, want.fields);
    const enabledNow = had.status === 'enabled';
    const renamed = had.key !== want.key ? { previousKey: had.key } : {};
    if (enabledNow !== (want.state === 'enabled')) {
      changes.push({
        target: want.target,
        key: want.key,
        ...renamed,
        action: want.state === 'enabled' ? 'enable' : 'disable',
        fields: want.fields,
        changedFields,
        reason: `${why}: ${want.state === 'enabled' ? justified : 'the identity is on leave or suspended'}`,
      });
    } else if (changedFields.length > 0) {
      changes.push({ target: want.target, key: want.key, ...renamed, action: 'update', fields: want.fields, changedFields, reason: `${why}: attributes changed` });
    } else if (had.key !== want.key) {
      changes.push({ target: want.target, key: want.key, ...renamed, action: 'rename', fields: want.fields, changedFields, reason: `${why}: the account key changed` });
    }
  }
  for (const had of have.values()) {
    if (had.status !== 'enabled') continue;
    changes.push({ target: had.target, key: had.key, action: 'disable', fields: had.fields, changedFields: [], reason: `${why}: no policy justifies an account in ${had.target} any more` });
  }
  return changes.sort((a, b) => a.target.localeCompare(b.target));
}

function fieldChanges(had: AccountFields, want: AccountFields): string[] {
  const names = new Set([...Object.keys(had), ...Object.keys(want)]) as Set<keyof AccountFields>;
  return [...names].filter((n) => (had[n] ?? '') !== (want[n] ?? '')).sort();
}

function diffEntitlements(current: CurrentAccess, desired: DesiredAccess, why: string) {
  const have = new Map(current.entitlements.map((e) => [entitlementKey(e), e]));
  const granted: EntitlementChange[] = [];
  const suspended: EntitlementChange[] = [];
  const resumed: EntitlementChange[] = [];
  for (const want of desired.entitlements) {
    const had = have.get(entitlementKey(want));
    have.delete(entitlementKey(want));
    if (!had)
      granted.push({
        ...change(want, `${why}: granted by ${want.policies.join(', ')}${want.status === 'suspended' ? ` (held back by ${want.suspendedBy.join(', ')})` : ''}`),
        held: want.status === 'suspended',
      });
    else if (had.status === 'active' && want.status === 'suspended') suspended.push(change(want, `${why}: held back by ${want.suspendedBy.join(', ')}`));
    else if (had.status === 'suspended' && want.status === 'active') resumed.push(change(want, `${why}: no condition holds it back any more`));
  }
  const removed = [...have.values()].map((had) => ({
    target: had.target,
    group: had.group,
    privileged: had.privileged,
    policies: had.policies,
    reason: `${why}: no longer justified by ${had.policies.join(', ') || 'any policy'}`,
  }));
  return { granted, removed, suspended, resumed };
}

function change(e: DesiredEntitlement, reason: string): EntitlementChange {
  return { target: e.target, group: e.group, privileged: e.privileged, policies: e.policies, reason };
}

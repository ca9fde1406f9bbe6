import type { IdentityStatus } from '../identity/status.ts';
import { type AccountFields, accountFields } from './account-fields.ts';
import type { BirthrightPolicy, Clause, ConditionPolicy, Policy } from './policy.ts';
import { type AccessSubject, subjectValues } from './subject.ts';

/** How a target names accounts: identity attributes tried in order (`identity_id` is the identity's id). */
export interface TargetRule {
  readonly name: string;
  readonly accountKey: readonly string[];
}

export type AccountState = 'enabled' | 'disabled';

export interface DesiredAccount {
  readonly target: string;
  readonly key: string;
  readonly state: AccountState;
  readonly fields: AccountFields;
  /** The birthright policies that justify the account. */
  readonly policies: readonly string[];
}

export interface DesiredEntitlement {
  readonly target: string;
  readonly group: string;
  readonly privileged: boolean;
  readonly status: 'active' | 'suspended';
  readonly policies: readonly string[];
  /** The condition policies holding it back. */
  readonly suspendedBy: readonly string[];
}

export interface DesiredAccess {
  readonly accounts: readonly DesiredAccount[];
  readonly entitlements: readonly DesiredEntitlement[];
}

/** Statuses whose accounts exist: enabled when active, disabled (entitlements kept) on leave or suspension. */
const ACCOUNT_STATE: Partial<Record<IdentityStatus, AccountState>> = { active: 'enabled', leave: 'disabled', suspended: 'disabled' };

/**
 * What the policies give this identity on `today` (an ISO day, for training expiry). Pure and
 * deterministic: accounts and entitlements come out sorted by target and group.
 */
export function planAccess(subject: AccessSubject, policies: readonly Policy[], targets: readonly TargetRule[], today: string): DesiredAccess {
  const state = ACCOUNT_STATE[subject.status];
  if (!state) return { accounts: [], entitlements: [] };
  const matching = policies.filter((p) => p.document.kind !== 'separation' && matches(subject, p.document.when, today));
  const grants = collectGrants(matching.filter(isBirthright));
  const conditions = matching.filter(isCondition);
  const accounts: DesiredAccount[] = [];
  const entitlements: DesiredEntitlement[] = [];
  const fields = accountFields(subject.attributes);
  for (const target of targets) {
    const granted = grants.get(target.name);
    const key = granted ? accountKeyOf(subject, target) : null;
    if (!granted || key === null) continue;
    accounts.push({ target: target.name, key, state, fields, policies: [...granted.policies].sort() });
    for (const [group, g] of [...granted.groups].sort(([a], [b]) => a.localeCompare(b))) {
      const suspendedBy = conditions
        .filter((c) => suspends(c, target.name, group, g.privileged))
        .map((c) => c.name)
        .sort();
      entitlements.push({ target: target.name, group, privileged: g.privileged, status: suspendedBy.length > 0 ? 'suspended' : 'active', policies: [...g.policies].sort(), suspendedBy });
    }
  }
  return { accounts, entitlements };
}

/** The login for an identity in a target, or null when none of its key attributes is present. */
export function accountKeyOf(subject: AccessSubject, target: TargetRule): string | null {
  for (const attribute of target.accountKey) {
    const value = attribute === 'identity_id' ? subject.id : subject.attributes[attribute];
    if (value) return value;
  }
  return null;
}

export function matches(subject: AccessSubject, when: readonly Clause[], today: string): boolean {
  return when.every((clause) => {
    const values = subjectValues(subject, clause.attribute, today);
    if (clause.in) return values.some((v) => clause.in?.includes(v));
    return !values.some((v) => clause.notIn?.includes(v));
  });
}

interface TargetGrant {
  readonly policies: Set<string>;
  readonly groups: Map<string, { privileged: boolean; policies: Set<string> }>;
}

function collectGrants(policies: readonly (Policy & { document: BirthrightPolicy })[]): Map<string, TargetGrant> {
  const byTarget = new Map<string, TargetGrant>();
  for (const policy of policies) {
    for (const grant of policy.document.grants) {
      let target = byTarget.get(grant.target);
      if (!target) byTarget.set(grant.target, (target = { policies: new Set(), groups: new Map() }));
      target.policies.add(policy.name);
      for (const g of grant.groups) {
        const entry = target.groups.get(g.name) ?? { privileged: false, policies: new Set<string>() };
        entry.privileged ||= g.privileged;
        entry.policies.add(policy.name);
        target.groups.set(g.name, entry);
      }
    }
  }
  return byTarget;
}

function suspends(policy: Policy & { document: ConditionPolicy }, target: string, group: string, privileged: boolean): boolean {
  const s = policy.document.suspend;
  if (s.targets && !s.targets.includes(target)) return false;
  if (s.groups && !s.groups.includes(group)) return false;
  return !s.privileged || privileged;
}

function isBirthright(p: Policy): p is Policy & { document: BirthrightPolicy } {
  return p.document.kind === 'birthright';
}

function isCondition(p: Policy): p is Policy & { document: ConditionPolicy } {
  return p.document.kind === 'condition';
}

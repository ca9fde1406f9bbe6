/**
 * RP subscriber accounts, keyed on the federated identifier (iss + sub) alone, never on email or
 * name (SP 800-217 §5.1.2). The store is a port; `MemoryAccountStore` serves the reference RP and
 * tests.
 */
import type { FederatedIdentifier } from './assertion.ts';

export type AccountState = 'active' | 'disabled' | 'inactive-pending-identifier-change';

export type AccountChangeKind = 'provisioned' | 'attributes-refreshed' | 'attributes-stale' | 'identifier-unbound' | 'identifier-bound' | 'disabled' | 'enabled' | 'sessions-ended' | 'review';

export interface AccountChange {
  /** ISO 8601 time of the change. */
  readonly at: string;
  readonly kind: AccountChangeKind;
  readonly identifier?: FederatedIdentifier;
  readonly reason?: string;
}

export interface Account {
  readonly id: string;
  state: AccountState;
  /** The federated identifiers bound to the account. */
  identifiers: FederatedIdentifier[];
  /** The identifier that must sign in to reactivate the account after an identifier change. */
  pendingIdentifier?: FederatedIdentifier;
  /** Identifiers replaced by a change: refused from the change on. */
  retiredIdentifiers: FederatedIdentifier[];
  homeAgency: string;
  affiliations: string[];
  /** Attributes cached from UserInfo, only those the agreement requests. */
  attributes: Record<string, unknown>;
  /** `updated_at` of the cached attributes. */
  attributesUpdatedAt?: number;
  /** A signal said the attributes changed: refresh at the next sign-in. */
  attributesStale?: boolean;
  readonly createdAt: string;
  lastSignInAt?: string;
  /** Every change to the account, oldest first. */
  changes: AccountChange[];
}

export interface AccountStore {
  get(id: string): Promise<Account | undefined>;
  /** The account holding this identifier as bound, pending or retired. */
  findByIdentifier(identifier: FederatedIdentifier): Promise<Account | undefined>;
  save(account: Account): Promise<void>;
  delete(id: string): Promise<void>;
}

export function sameIdentifier(a: FederatedIdentifier | undefined, b: FederatedIdentifier): boolean {
  return a !== undefined && a.iss === b.iss && a.sub === b.sub;
}

export function holdsIdentifier(account: Account, identifier: FederatedIdentifier): 'bound' | 'pending' | 'retired' | undefined {
  if (account.identifiers.some((i) => sameIdentifier(i, identifier))) return 'bound';
  if (sameIdentifier(account.pendingIdentifier, identifier)) return 'pending';
  if (account.retiredIdentifiers.some((i) => sameIdentifier(i, identifier))) return 'retired';
  return undefined;
}

export class MemoryAccountStore implements AccountStore {
  readonly #accounts = new Map<string, Account>();

  async get(id: string): Promise<Account | undefined> {
    const account = this.#accounts.get(id);
    return account && structuredClone(account);
  }

  async findByIdentifier(identifier: FederatedIdentifier): Promise<Account | undefined> {
    for (const account of this.#accounts.values()) {
      if (holdsIdentifier(account, identifier)) return structuredClone(account);
    }
    return undefined;
  }

  async save(account: Account): Promise<void> {
    this.#accounts.set(account.id, structuredClone(account));
  }

  async delete(id: string): Promise<void> {
    this.#accounts.delete(id);
  }

  async list(): Promise<Account[]> {
    return [...this.#accounts.values()].map((a) => structuredClone(a));
  }
}

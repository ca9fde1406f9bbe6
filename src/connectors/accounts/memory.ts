import { randomUUID } from 'node:crypto';
import { MusterError } from '../../core/errors.ts';
import type { AccountFields, AccountSpec, Connector, ConnectorCapabilities, Created, Receipt, RemoteAccount } from './port.ts';

interface Stored {
  id: string;
  key: string;
  correlationId: string;
  enabled: boolean;
  fields: AccountFields;
}

/** True under `node --test` or muster's test runner. */
export function underTest(): boolean {
  return process.env.NODE_TEST_CONTEXT !== undefined || process.env.MUSTER_TEST === '1';
}

/**
 * An in-process target for fast tests. It refuses to exist outside tests, so that no deployment
 * can "provision" into memory and believe it did. `calls` records every mutation for assertions.
 */
export class MemoryConnector implements Connector {
  readonly target: string;
  readonly kind = 'memory';
  readonly capabilities: ConnectorCapabilities = Object.freeze({ list: true, groups: true, delete: true, etags: false, deferred: false });
  readonly calls: string[] = [];
  readonly #accounts = new Map<string, Stored>();
  readonly #groups = new Map<string, Set<string>>();
  /** When set, every call throws it (a target that is down). */
  failWith: Error | null = null;

  constructor(target: string) {
    if (!underTest()) throw new MusterError('MUSTER_ERR_TEST_ONLY', `the memory connector (target '${target}') runs only under tests`);
    this.target = target;
  }

  async findAccount(key: string): Promise<RemoteAccount | null> {
    this.#check();
    const found = [...this.#accounts.values()].find((a) => a.key === key);
    return found ? this.#view(found) : null;
  }

  async createAccount(spec: AccountSpec): Promise<Created> {
    this.#check();
    if ([...this.#accounts.values()].some((a) => a.key === spec.key)) {
      throw new MusterError('MUSTER_ERR_TARGET_CONFLICT', `target '${this.target}' already has an account '${spec.key}'`, [{ field: 'key', value: spec.key, message: 'taken' }]);
    }
    const id = randomUUID();
    this.#accounts.set(id, { id, key: spec.key, correlationId: spec.correlationId, enabled: spec.enabled, fields: { ...spec.fields } });
    this.calls.push(`create ${spec.key}`);
    return { id };
  }

  async updateAccount(id: string, fields: AccountFields): Promise<Receipt> {
    const account = this.#get(id);
    account.fields = { ...account.fields, ...fields };
    this.calls.push(`update ${account.key}`);
    return {};
  }

  async renameAccount(id: string, key: string): Promise<Created> {
    const account = this.#get(id);
    if (account.key === key) return { id };
    if ([...this.#accounts.values()].some((a) => a.key === key)) {
      throw new MusterError('MUSTER_ERR_TARGET_CONFLICT', `target '${this.target}' already has an account '${key}'`, [{ field: 'key', value: key, message: 'taken' }]);
    }
    this.calls.push(`rename ${account.key} ${key}`);
    account.key = key;
    return { id };
  }

  async disableAccount(id: string): Promise<Receipt> {
    return this.#setEnabled(id, false);
  }

  async enableAccount(id: string): Promise<Receipt> {
    return this.#setEnabled(id, true);
  }

  async deleteAccount(id: string): Promise<Receipt> {
    this.#check();
    const account = this.#accounts.get(id);
    if (!account) return {};
    this.#accounts.delete(id);
    for (const members of this.#groups.values()) members.delete(id);
    this.calls.push(`delete ${account.key}`);
    return {};
  }

  async *listAccounts(pageSize = 500): AsyncIterable<readonly RemoteAccount[]> {
    this.#check();
    const all = [...this.#accounts.values()];
    for (let i = 0; i < all.length; i += pageSize) yield all.slice(i, i + pageSize).map((a) => this.#view(a));
  }

  async listEntitlements(): Promise<readonly string[]> {
    this.#check();
    return [...this.#groups.keys()].sort();
  }

  async addMember(group: string, id: string): Promise<Receipt> {
    const account = this.#get(id);
    let members = this.#groups.get(group);
    if (!members) this.#groups.set(group, (members = new Set()));
    if (!members.has(id)) this.calls.push(`add ${account.key} ${group}`);
    members.add(id);
    return {};
  }

  async removeMember(group: string, id: string): Promise<Receipt> {
    this.#check();
    const members = this.#groups.get(group);
    if (members?.delete(id)) this.calls.push(`remove ${this.#accounts.get(id)?.key ?? id} ${group}`);
    return {};
  }

  async close(): Promise<void> {}

  /** Puts an account in place behind muster's back (an orphan, for reconciliation tests). */
  plant(spec: AccountSpec, groups: readonly string[] = []): string {
    const id = randomUUID();
    this.#accounts.set(id, { id, key: spec.key, correlationId: spec.correlationId, enabled: spec.enabled, fields: { ...spec.fields } });
    for (const group of groups) {
      if (!this.#groups.has(group)) this.#groups.set(group, new Set());
      this.#groups.get(group)?.add(id);
    }
    return id;
  }

  #setEnabled(id: string, enabled: boolean): Receipt {
    const account = this.#get(id);
    if (account.enabled !== enabled) this.calls.push(`${enabled ? 'enable' : 'disable'} ${account.key}`);
    account.enabled = enabled;
    return {};
  }

  #get(id: string): Stored {
    this.#check();
    const account = this.#accounts.get(id);
    if (!account) throw new MusterError('MUSTER_ERR_NOT_FOUND', `target '${this.target}' has no account ${id}`, [{ field: 'id', value: id, message: 'no such account' }]);
    return account;
  }

  #view(a: Stored): RemoteAccount {
    const groups = [...this.#groups.entries()]
      .filter(([, members]) => members.has(a.id))
      .map(([name]) => name)
      .sort();
    return { id: a.id, key: a.key, correlationId: a.correlationId, enabled: a.enabled, fields: { ...a.fields }, groups };
  }

  #check(): void {
    if (this.failWith) throw this.failWith;
  }
}

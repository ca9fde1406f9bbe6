import { AndFilter, type Change, type Client, EqualityFilter, type Entry, type SearchOptions } from 'ldapts';
import type { AccountFields, AccountSpec, Connector, ConnectorCapabilities, Created, Receipt, RemoteAccount } from '../port.ts';
import { childValue, escapeDnValue, formatDn, normalizeDn, parseDn } from './dn.ts';
import { conflict, notFound, RESULT, resultCode, targetError } from './errors.ts';
import { lastMemberChanges, memberChange, newGroupAttributes } from './groups.ts';
import { ACCOUNT_ATTRIBUTES, accountAttributes, fieldChanges, lockChange, remoteAccount } from './mapping.ts';
import { DEFAULT_CONNECTIONS, DEFAULT_PAGE_SIZE, DEFAULT_TIMEOUT_MS, type LdapOptions } from './options.ts';
import { MemberBatcher } from './member-batch.ts';
import { MembershipIndex } from './memberships.ts';
import { SessionRing } from './session.ts';

const ACCOUNT_FILTER = new EqualityFilter({ attribute: 'objectClass', value: 'inetOrgPerson' });
const GROUP_FILTER = new EqualityFilter({ attribute: 'objectClass', value: 'groupOfNames' });
/** An account's attributes but memberOf: its groups are read from the groups. */
const LISTED_ATTRIBUTES = ACCOUNT_ATTRIBUTES.filter((name) => name !== 'memberOf');

/**
 * Accounts as inetOrgPerson entries, groups as groupOfNames, disabling through OpenLDAP's ppolicy overlay
 * (a permanent pwdAccountLockedTime). Memberships are read from the groups' own member values, not from
 * memberOf, which the memberof overlay can leave short of a burst of concurrent group changes. An account's
 * id is its DN, written in this connector's own escaping whatever form the server answers in.
 */
export class LdapConnector implements Connector {
  readonly target: string;
  readonly kind = 'ldap';
  readonly capabilities: ConnectorCapabilities = Object.freeze({ list: true, groups: true, delete: true, etags: false, deferred: false });
  /** The bound connections, used in turn: a batch of operations goes out on all of them at once. */
  readonly #sessions: SessionRing;
  /** Member changes of one group made at once go out in one modify. */
  readonly #members = new MemberBatcher((groupDn, operation, ids) => this.#call('changing group members', (c) => c.modify(groupDn, memberChange(operation, ids))));
  readonly #usersDn: string;
  readonly #groupsDn: string;
  readonly #usersKey: string;
  readonly #groupsKey: string;

  constructor(target: string, options: LdapOptions) {
    this.target = target;
    const session = { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS };
    this.#sessions = new SessionRing(options.connections ?? DEFAULT_CONNECTIONS, session);
    this.#usersDn = formatDn(parseDn(options.usersDn));
    this.#groupsDn = formatDn(parseDn(options.groupsDn));
    this.#usersKey = normalizeDn(options.usersDn);
    this.#groupsKey = normalizeDn(options.groupsDn);
  }

  async findAccount(key: string): Promise<RemoteAccount | null> {
    const filter = new AndFilter({ filters: [ACCOUNT_FILTER, new EqualityFilter({ attribute: 'uid', value: key })] });
    const entries = await this.#search('finding an account', this.#usersDn, { scope: 'one', filter, attributes: LISTED_ATTRIBUTES });
    const first = entries[0];
    if (!first) return null;
    return { ...remoteAccount(first, this.#groupsKey), groups: await this.#groupsOf(first.dn) };
  }

  async #groupsOf(dn: string): Promise<string[]> {
    const filter = new AndFilter({ filters: [GROUP_FILTER, new EqualityFilter({ attribute: 'member', value: dn })] });
    const entries = await this.#search('reading group memberships', this.#groupsDn, { scope: 'one', filter, attributes: ['cn'] });
    return entries
      .map((e) => childValue(e.dn, this.#groupsKey))
      .filter((n): n is string => n !== null)
      .sort();
  }

  async createAccount(spec: AccountSpec): Promise<Created> {
    const id = this.#accountDn(spec.key);
    try {
      await this.#call('creating an account', (c) => c.add(id, accountAttributes(spec)));
    } catch (error) {
      if (resultCode(error) === RESULT.alreadyExists) throw conflict(this.target, spec.key);
      throw error;
    }
    return { id };
  }

  async updateAccount(id: string, fields: AccountFields): Promise<Receipt> {
    const changes = fieldChanges(this.#keyOf(id), fields);
    if (changes.length === 0) await this.#mustExist(id);
    else await this.#modifyAccount(id, 'updating an account', changes);
    return {};
  }

  /**
   * A modify DN to the new uid (the old uid value goes with the old RDN); the new DN is the id from then on.
   * The memberof overlay's referential integrity moves group members along; without it, this does.
   */
  async renameAccount(id: string, key: string): Promise<Created> {
    this.#keyOf(id);
    const renamed = this.#accountDn(key);
    // uid matches case-insensitively: a login that differs in case only is the same login
    if (normalizeDn(id) === normalizeDn(renamed)) {
      await this.#mustExist(id);
      return { id: formatDn(parseDn(id)) };
    }
    try {
      await this.#call('renaming an account', (c) => c.modifyDN(id, `uid=${escapeDnValue(key)}`));
    } catch (error) {
      const code = resultCode(error);
      if (code === RESULT.noSuchObject) throw notFound(this.target, id);
      if (code === RESULT.alreadyExists) throw conflict(this.target, key);
      throw error;
    }
    await this.#moveMemberships(id, renamed);
    return { id: renamed };
  }

  /** Group member values still naming the old DN (a server without referential integrity) are replaced by the new one. */
  async #moveMemberships(from: string, to: string): Promise<void> {
    const filter = new AndFilter({ filters: [GROUP_FILTER, new EqualityFilter({ attribute: 'member', value: from })] });
    const groups = await this.#search('reading group memberships', this.#groupsDn, { scope: 'one', filter, attributes: ['1.1'] });
    for (const group of groups) {
      await this.#addValue(group.dn, to);
      await this.#call('moving a group member', (c) => c.modify(group.dn, memberChange('delete', from))).catch((error: unknown) => {
        if (resultCode(error) !== RESULT.noSuchAttribute) throw error;
      });
    }
  }

  async disableAccount(id: string): Promise<Receipt> {
    this.#keyOf(id);
    await this.#modifyAccount(id, 'disabling an account', [lockChange(true)]);
    return {};
  }

  async enableAccount(id: string): Promise<Receipt> {
    this.#keyOf(id);
    try {
      await this.#modifyAccount(id, 'enabling an account', [lockChange(false)]);
    } catch (error) {
      // not locked: nothing to do
      if (resultCode(error) !== RESULT.noSuchAttribute) throw error;
    }
    return {};
  }

  async deleteAccount(id: string): Promise<Receipt> {
    this.#keyOf(id);
    const entry = await this.#read(id, ['1.1']);
    if (!entry) return {};
    // without the memberof overlay's referential integrity, member values would outlive the account
    for (const group of await this.#groupsOf(entry.dn)) await this.removeMember(group, id);
    await this.#call('deleting an account', (c) => c.del(id)).catch((error: unknown) => {
      if (resultCode(error) !== RESULT.noSuchObject) throw error;
    });
    return {};
  }

  /** One paged search of the groups (their member values), then the accounts a page at a time with those groups. */
  async *listAccounts(pageSize = DEFAULT_PAGE_SIZE): AsyncIterable<readonly RemoteAccount[]> {
    const memberships = await this.#memberships();
    const options: SearchOptions = { scope: 'one', filter: ACCOUNT_FILTER, attributes: LISTED_ATTRIBUTES, paged: { pageSize } };
    for await (const page of this.#pages('listing accounts', this.#usersDn, options)) {
      yield page.map((entry) => ({ ...remoteAccount(entry, this.#groupsKey), groups: memberships.groupsOf(entry.dn) }));
    }
  }

  async #memberships(): Promise<MembershipIndex> {
    const index = new MembershipIndex(this.#groupsKey);
    const options: SearchOptions = { scope: 'one', filter: GROUP_FILTER, attributes: ['member'], paged: { pageSize: DEFAULT_PAGE_SIZE } };
    for await (const page of this.#pages('reading group memberships', this.#groupsDn, options)) index.addGroups(page);
    return index;
  }

  async listEntitlements(): Promise<readonly string[]> {
    const names: string[] = [];
    const options: SearchOptions = { scope: 'one', filter: GROUP_FILTER, attributes: ['cn'], paged: { pageSize: DEFAULT_PAGE_SIZE } };
    for await (const page of this.#pages('listing groups', this.#groupsDn, options)) {
      for (const entry of page) {
        const name = childValue(entry.dn, this.#groupsKey);
        if (name !== null) names.push(name);
      }
    }
    return names.sort();
  }

  async addMember(group: string, id: string): Promise<Receipt> {
    this.#keyOf(id);
    await this.#mustExist(id);
    const groupDn = this.#groupDn(group);
    const added = await this.#addValue(groupDn, id);
    if (added) return {};
    try {
      await this.#call('creating a group', (c) => c.add(groupDn, newGroupAttributes(group, id)));
    } catch (error) {
      // created meanwhile by a concurrent call
      if (resultCode(error) !== RESULT.alreadyExists || !(await this.#addValue(groupDn, id))) throw error;
    }
    return {};
  }

  async removeMember(group: string, id: string): Promise<Receipt> {
    const groupDn = this.#groupDn(group);
    const remove = (changes = [memberChange('delete', id)]): Promise<void> => this.#call('removing a group member', (c) => c.modify(groupDn, changes));
    if (await this.#members.change(groupDn, 'delete', id)) return {};
    try {
      await remove().catch((error: unknown) => {
        if (resultCode(error) === RESULT.objectClassViolation) return remove(lastMemberChanges(id));
        throw error;
      });
    } catch (error) {
      // no such group, or not a member
      const code = resultCode(error);
      if (code !== RESULT.noSuchObject && code !== RESULT.noSuchAttribute) throw error;
    }
    return {};
  }

  async close(): Promise<void> {
    await this.#sessions.close();
  }

  /** Adds a member; false when the group does not exist. A member already there is success. */
  async #addValue(groupDn: string, id: string): Promise<boolean> {
    if (await this.#members.change(groupDn, 'add', id)) return true;
    try {
      await this.#call('adding a group member', (c) => c.modify(groupDn, memberChange('add', id)));
      return true;
    } catch (error) {
      const code = resultCode(error);
      if (code === RESULT.typeOrValueExists) return true;
      if (code === RESULT.noSuchObject) return false;
      throw error;
    }
  }

  async #modifyAccount(id: string, doing: string, changes: Change[]): Promise<void> {
    try {
      await this.#call(doing, (c) => c.modify(id, changes));
    } catch (error) {
      if (resultCode(error) === RESULT.noSuchObject) throw notFound(this.target, id);
      throw error;
    }
  }

  async #mustExist(id: string): Promise<void> {
    if (!(await this.#read(id, ['1.1']))) throw notFound(this.target, id);
  }

  /** The entry at `dn`, or null when there is none. */
  async #read(dn: string, attributes: string[]): Promise<Entry | null> {
    try {
      const entries = await this.#search('reading an entry', dn, { scope: 'base', attributes });
      return entries[0] ?? null;
    } catch (error) {
      if (resultCode(error) === RESULT.noSuchObject) return null;
      throw error;
    }
  }

  async #search(doing: string, base: string, options: SearchOptions): Promise<Entry[]> {
    return (await this.#call(doing, (c) => c.search(base, options))).searchEntries;
  }

  /**
   * A paged search on a connection of its own (slapd keeps one paging state per connection, and refuses
   * the cookie of a search that another paged search on the same connection overtook). The next page is
   * asked for before this one is handed over, so the server works while the caller does.
   */
  async *#pages(doing: string, base: string, options: SearchOptions): AsyncGenerator<Entry[]> {
    const client = await this.#sessions
      .next()
      .open()
      .catch((error: unknown) => {
        throw targetError(this.target, doing, error);
      });
    const pages = client.searchPaginated(base, options);
    const ask = (): Promise<IteratorResult<{ searchEntries: Entry[] }>> => {
      const page = pages.next();
      // it may fail while the caller is busy: it is awaited (and thrown) at the next turn
      page.catch(() => {});
      return page;
    };
    let next = ask();
    try {
      for (let page = await next; !page.done; page = await next) {
        next = ask();
        yield page.value.searchEntries;
      }
    } catch (error) {
      throw targetError(this.target, doing, error);
    } finally {
      // a caller that stops early leaves one request in flight: unbinding ends it
      await client.unbind().catch(() => {});
    }
  }

  /** Runs one request on the shared connection; failures carry the LDAP result code for callers that expect one. */
  async #call<T>(doing: string, request: (client: Client) => Promise<T>): Promise<T> {
    return this.#sessions.call(request, (error) => targetError(this.target, doing, error));
  }

  #accountDn(key: string): string {
    return `uid=${escapeDnValue(key)},${this.#usersDn}`;
  }

  #groupDn(name: string): string {
    return `cn=${escapeDnValue(name)},${this.#groupsDn}`;
  }

  /** The login in an account id; an id that is not an account of this target is unknown here. */
  #keyOf(id: string): string {
    const key = childValue(id, this.#usersKey);
    if (key === null) throw notFound(this.target, id);
    return key;
  }
}

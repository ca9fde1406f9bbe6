import { randomBytes } from 'node:crypto';
import { AndFilter, Attribute, Change, type Client, EqualityFilter, type Entry, type Filter, GreaterThanEqualsFilter, type SearchOptions } from 'ldapts';
import type { AccountFields, AccountSpec, Connector, ConnectorCapabilities, Created, Mapped, Receipt } from '../port.ts';
import { childValue, escapeDnValue, formatDn, normalizeDn, parseDn } from '../ldap/dn.ts';
import { conflict, notFound, RESULT, resultCode } from '../ldap/errors.ts';
import { DEFAULT_TIMEOUT_MS } from '../ldap/options.ts';
import { SessionRing } from '../ldap/session.ts';
import { isStrongMapping, strongMapping } from './cert-mapping.ts';
import { AD_ERROR, adError, extendedError } from './errors.ts';
import { guidOf } from './guid.ts';
import {
  type AccountReading,
  type AdAccount,
  accountAttributeNames,
  adAccount,
  fieldAttributes,
  fieldChanges,
  GLOBAL_SECURITY_GROUP,
  GROUP_OBJECT_CLASSES,
  replace,
  UAC,
  unicodePwd,
  upnOf,
  USER_OBJECT_CLASSES,
  userAccountControl,
} from './mapping.ts';
import { type AdOptions, DEFAULT_CORRELATION_ATTRIBUTE, DEFAULT_RANGE_SIZE, DEFAULT_SAM_PATTERN } from './options.ts';
import { samBase, samCandidate } from './sam.ts';

const USERS = new AndFilter({ filters: [new EqualityFilter({ attribute: 'objectCategory', value: 'person' }), new EqualityFilter({ attribute: 'objectClass', value: 'user' })] });
const GROUPS = new EqualityFilter({ attribute: 'objectClass', value: 'group' });
const PAGE_SIZE = 500;
/** Names tried for a new sAMAccountName before giving up. */
const SAM_ATTEMPTS = 50;
/** AD answers "no such attribute" or "unwilling to perform" for removing a member that is not one. */
const UNWILLING = 53;

/**
 * Accounts as AD users (CN=<login> in the OU placement chooses, userPrincipalName <login>@<suffix>, a
 * collision-safe sAMAccountName, the identity id in employeeNumber), disabled through userAccountControl and moved
 * to the disabled OU, groups as global security groups. An account's id is its objectGUID (`<GUID=…>`), which
 * moves and renames leave as it is.
 */
export class AdConnector implements Connector {
  readonly target: string;
  readonly kind = 'ad';
  readonly capabilities: ConnectorCapabilities = Object.freeze({ list: true, groups: true, delete: true, etags: false, deferred: false, certificates: true, managers: true });
  readonly #sessions: SessionRing;
  readonly #options: AdOptions;
  readonly #reading: AccountReading;
  readonly #attributes: string[];
  readonly #groupsDn: string;
  readonly #searchBase: string;
  /** The DC the last high-water mark came from. */
  #markDc: string | null = null;

  constructor(target: string, options: AdOptions) {
    this.target = target;
    this.#options = options;
    const session = { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS };
    this.#sessions = new SessionRing(options.connections ?? 4, session);
    const correlationAttribute = options.correlationAttribute ?? DEFAULT_CORRELATION_ATTRIBUTE;
    this.#groupsDn = formatDn(parseDn(options.groupsDn));
    this.#reading = { upnSuffix: options.upnSuffix, correlationAttribute, normalizedGroupsDn: normalizeDn(options.groupsDn) };
    this.#attributes = accountAttributeNames(correlationAttribute);
    this.#searchBase = options.searchBaseDn ?? formatDn(parseDn(options.usersDn).filter((rdn) => rdn.type.toLowerCase() === 'dc'));
  }

  async findAccount(key: string): Promise<AdAccount | null> {
    const filter = new AndFilter({ filters: [USERS, new EqualityFilter({ attribute: 'userPrincipalName', value: upnOf(key, this.#options.upnSuffix) })] });
    const entries = await this.#search('finding an account', this.#searchBase, { scope: 'sub', filter, attributes: this.#attributes });
    return entries[0] ? this.#account(entries[0]) : null;
  }

  /** The account with this id as AD holds it, or null. */
  async readAccount(id: string): Promise<AdAccount | null> {
    if (guidOf(id) === null) return null;
    const entry = await this.#read(id, this.#attributes);
    return entry ? this.#account(entry) : null;
  }

  async createAccount(spec: AccountSpec): Promise<Created> {
    if (await this.findAccount(spec.key)) throw conflict(this.target, spec.key);
    const dn = `CN=${escapeDnValue(spec.key)},${this.#ouFor(spec.fields)}`;
    const uac = userAccountControl(spec.enabled, this.#options.smartcardRequired ?? false);
    const attributes = {
      objectClass: USER_OBJECT_CLASSES,
      cn: [spec.key],
      userPrincipalName: [upnOf(spec.key, this.#options.upnSuffix)],
      [this.#reading.correlationAttribute]: [spec.correlationId],
      ...fieldAttributes(spec.fields),
      userAccountControl: [String(uac)],
    };
    const base = samBase(this.#options.samPattern ?? DEFAULT_SAM_PATTERN, spec.key, spec.fields);
    for (let n = 0; n < SAM_ATTEMPTS; n++) {
      try {
        // a random password nobody is told: the user logs on with the PIV card or gets a reset from the help desk
        const add = { ...attributes, sAMAccountName: [samCandidate(base, n)], unicodePwd: unicodePwd(randomPassword()) } as unknown as Record<string, string[]>;
        await this.#call('creating an account', (c) => c.add(dn, add));
        const created = await this.findAccount(spec.key);
        if (!created) throw notFound(this.target, dn);
        return { id: created.id };
      } catch (error) {
        // the sAMAccountName is taken (a taken CN or UPN answers without this extended error): the next number
        if (extendedError(error) === AD_ERROR.nameInUse) continue;
        if (resultCode(error) === RESULT.alreadyExists) throw conflict(this.target, spec.key);
        throw error;
      }
    }
    throw conflict(this.target, spec.key);
  }

  async updateAccount(id: string, fields: AccountFields): Promise<Receipt> {
    const account = await this.#mustRead(id);
    const changes = fieldChanges(fields);
    if (changes.length > 0) await this.#call('updating an account', (c) => c.modify(id, changes));
    // a mover: the new OU, unless the account waits disabled in the leavers' OU
    if (account.enabled || !this.#inDisabledOu(account.dn)) await this.#moveTo(account, this.#ouFor({ ...account.fields, ...fields }));
    return {};
  }

  async renameAccount(id: string, key: string): Promise<Created> {
    const account = await this.#mustRead(id);
    const upn = upnOf(key, this.#options.upnSuffix);
    if (account.key.toLowerCase() === key.toLowerCase()) return { id };
    const holder = await this.findAccount(key);
    if (holder && holder.id !== id) throw conflict(this.target, key);
    await this.#call('renaming an account', (c) => c.modify(id, [replace('userPrincipalName', [upn])]));
    await this.#renameSam(account, key);
    const parent = formatDn(parseDn(account.dn).slice(1));
    await this.#call('renaming an account', (c) => c.modifyDN(id, `CN=${escapeDnValue(key)},${parent}`));
    return { id };
  }

  async #renameSam(account: AdAccount, key: string): Promise<void> {
    const base = samBase(this.#options.samPattern ?? DEFAULT_SAM_PATTERN, key, account.fields);
    if (account.samAccountName.toLowerCase() === base) return;
    for (let n = 0; n < SAM_ATTEMPTS; n++) {
      try {
        await this.#call('renaming an account', (c) => c.modify(account.id, [replace('sAMAccountName', [samCandidate(base, n)])]));
        return;
      } catch (error) {
        if (extendedError(error) !== AD_ERROR.nameInUse) throw error;
      }
    }
  }

  /** Sets ACCOUNTDISABLE and moves the account to the disabled (leavers') OU when there is one. */
  async disableAccount(id: string): Promise<Receipt> {
    const account = await this.#mustRead(id);
    if (account.enabled) await this.#setControl(id, account.userAccountControl | UAC.accountDisable, 'disabling an account');
    if (this.#options.disabledDn) await this.#moveTo(account, this.#options.disabledDn);
    return {};
  }

  async enableAccount(id: string): Promise<Receipt> {
    const account = await this.#mustRead(id);
    if (!account.enabled) await this.#setControl(id, account.userAccountControl & ~UAC.accountDisable, 'enabling an account');
    if (this.#inDisabledOu(account.dn)) await this.#moveTo(account, this.#ouFor(account.fields));
    return {};
  }

  async deleteAccount(id: string): Promise<Receipt> {
    if (guidOf(id) === null) throw notFound(this.target, id);
    await this.#call('deleting an account', (c) => c.del(id)).catch((error: unknown) => {
      if (resultCode(error) !== RESULT.noSuchObject) throw error;
    });
    return {};
  }

  async *listAccounts(pageSize = PAGE_SIZE): AsyncIterable<readonly AdAccount[]> {
    yield* this.#accountsWhere('listing accounts', USERS, pageSize);
  }

  /**
   * The accounts changed since a uSNChanged high-water mark (an incremental reconciliation), a page at a time.
   * USNs are the domain controller's own: keep the mark per DC, and start over with listAccounts after a failover.
   */
  async *changedSince(usn: number, pageSize = PAGE_SIZE): AsyncIterable<readonly AdAccount[]> {
    const filter = new AndFilter({ filters: [USERS, new GreaterThanEqualsFilter({ attribute: 'uSNChanged', value: String(usn + 1) })] });
    yield* this.#accountsWhere('listing changed accounts', filter, pageSize);
  }

  /** The DC's highestCommittedUSN: the high-water mark to keep once a reconciliation has read everything below it. */
  async highestCommittedUsn(): Promise<number> {
    return (await this.#usnMark()).usn;
  }

  /** `<the DC's dsServiceName>#<highestCommittedUSN>`: USNs are one DC's own, so the mark names its DC. */
  async highWaterMark(): Promise<string> {
    const { dc, usn } = await this.#usnMark();
    this.#markDc = dc;
    return `${dc}#${usn}`;
  }

  /**
   * The accounts changed after a mark, read from the DC the last highWaterMark() call answered from; null for a
   * mark of another DC (after a fail-over, or behind a load balancer that changed DCs, a full run is due).
   */
  listAccountsChangedSince(mark: string, pageSize = PAGE_SIZE): AsyncIterable<readonly AdAccount[]> | null {
    const at = mark.lastIndexOf('#');
    const usn = Number(mark.slice(at + 1));
    if (at < 0 || !Number.isSafeInteger(usn) || this.#markDc === null || mark.slice(0, at).toLowerCase() !== this.#markDc.toLowerCase()) return null;
    return this.changedSince(usn, pageSize);
  }

  async #usnMark(): Promise<{ dc: string; usn: number }> {
    const [root] = await this.#search('reading the root DSE', '', { scope: 'base', attributes: ['highestCommittedUSN', 'dsServiceName'] });
    return { dc: String(root?.dsServiceName ?? ''), usn: Number(root?.highestCommittedUSN ?? 0) };
  }

  async *#accountsWhere(doing: string, filter: Filter, pageSize: number): AsyncIterable<readonly AdAccount[]> {
    for (const ou of this.#managedOus()) {
      const options: SearchOptions = { scope: 'one', filter, attributes: this.#attributes, explicitBufferAttributes: ['objectGUID'], paged: { pageSize } };
      for await (const page of this.#pages(doing, ou, options)) if (page.length > 0) yield page.map((entry) => this.#account(entry));
    }
  }

  async listEntitlements(): Promise<readonly string[]> {
    const names: string[] = [];
    const options: SearchOptions = { scope: 'one', filter: GROUPS, attributes: ['cn'], paged: { pageSize: PAGE_SIZE } };
    for await (const page of this.#pages('listing groups', this.#groupsDn, options)) {
      for (const entry of page) {
        const name = childValue(entry.dn, this.#reading.normalizedGroupsDn);
        if (name !== null) names.push(name);
      }
    }
    return names.sort();
  }

  async addMember(group: string, id: string): Promise<Receipt> {
    await this.#mustRead(id);
    const groupDn = this.#groupDn(group);
    if (await this.#addValue(groupDn, id)) return {};
    const attributes = { objectClass: GROUP_OBJECT_CLASSES, cn: [group], sAMAccountName: [group], groupType: [GLOBAL_SECURITY_GROUP] };
    await this.#call('creating a group', (c) => c.add(groupDn, attributes)).catch((error: unknown) => {
      // created meanwhile by a concurrent call
      if (resultCode(error) !== RESULT.alreadyExists) throw error;
    });
    if (!(await this.#addValue(groupDn, id))) throw notFound(this.target, groupDn);
    return {};
  }

  async removeMember(group: string, id: string): Promise<Receipt> {
    if (guidOf(id) === null) throw notFound(this.target, id);
    try {
      await this.#call('removing a group member', (c) => c.modify(this.#groupDn(group), [memberChange('delete', id)]));
    } catch (error) {
      const code = resultCode(error);
      if (code !== RESULT.noSuchObject && code !== RESULT.noSuchAttribute && code !== UNWILLING) throw error;
    }
    return {};
  }

  /**
   * The DNs of a group's members, read in ranges (`member;range=0-1499`, then on) as AD hands out a large
   * group's values. With `nested`, the users that are members through other groups too (LDAP_MATCHING_RULE_IN_CHAIN).
   */
  async groupMembers(group: string, options: { nested?: boolean } = {}): Promise<string[]> {
    const groupDn = this.#groupDn(group);
    if (options.nested) {
      const filter = `(&(objectCategory=person)(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=${escapeFilterValue(groupDn)}))`;
      const entries: Entry[] = [];
      for await (const page of this.#pages('reading nested group members', this.#searchBase, { scope: 'sub', filter, attributes: ['1.1'], paged: { pageSize: PAGE_SIZE } })) entries.push(...page);
      return entries.map((e) => e.dn);
    }
    const size = this.#options.rangeSize ?? DEFAULT_RANGE_SIZE;
    const members: string[] = [];
    for (let start = 0; ; ) {
      const [entry] = await this.#search('reading group members', groupDn, { scope: 'base', attributes: [`member;range=${start}-${start + size - 1}`] });
      if (!entry) return members;
      const range = rangedValues(entry);
      members.push(...range.values);
      if (range.end === null) return members;
      start = range.end + 1;
    }
  }

  /** Adds a group into a group (nesting); the inner group must exist. */
  async nestGroup(outer: string, inner: string): Promise<Receipt> {
    await this.#call('nesting a group', (c) => c.modify(this.#groupDn(outer), [memberChange('add', this.#groupDn(inner))])).catch((error: unknown) => {
      if (resultCode(error) !== RESULT.alreadyExists && resultCode(error) !== RESULT.typeOrValueExists) throw error;
    });
    return {};
  }

  /**
   * Makes the account's strong certificate mappings (`X509:<I>…<SR>…` in altSecurityIdentities) exactly those of
   * these card certificates (DER or PEM): a revoked, suspended or replaced card's mapping goes. Other kinds of
   * mapping an administrator wrote are left alone.
   */
  async mapCertificates(id: string, certificates: readonly (Uint8Array | string)[]): Promise<Mapped> {
    const account = await this.#mustRead(id);
    const wanted = new Set(certificates.map((c) => strongMapping(c)));
    const had = account.altSecurityIdentities.filter(isStrongMapping);
    const add = [...wanted].filter((v) => !had.includes(v));
    const remove = had.filter((v) => !wanted.has(v));
    const changes = [
      ...(remove.length > 0 ? [new Change({ operation: 'delete', modification: new Attribute({ type: 'altSecurityIdentities', values: remove }) })] : []),
      ...(add.length > 0 ? [new Change({ operation: 'add', modification: new Attribute({ type: 'altSecurityIdentities', values: add }) })] : []),
    ];
    if (changes.length > 0) await this.#call('mapping card certificates', (c) => c.modify(id, changes));
    return { mappings: [...wanted].sort() };
  }

  /** Sets the account's manager to the DN of the manager's account (its `<GUID=…>` id here); null clears it. */
  async setManager(id: string, managerId: string | null): Promise<Receipt> {
    await this.#mustRead(id);
    const manager = managerId === null ? null : await this.#mustRead(managerId);
    await this.#call('setting the manager', (c) => c.modify(id, [replace('manager', manager ? [manager.dn] : [])]));
    return {};
  }

  async close(): Promise<void> {
    await this.#sessions.close();
  }

  #account(entry: Entry): AdAccount {
    return adAccount(entry, this.#reading);
  }

  /** The OU an account with these fields belongs in. */
  #ouFor(fields: AccountFields): string {
    const placement = this.#options.placement;
    const value = placement ? fields[placement.field] : undefined;
    return formatDn(parseDn((value !== undefined && placement?.ous[value]) || this.#options.usersDn));
  }

  #managedOus(): string[] {
    const ous = [this.#options.usersDn, ...Object.values(this.#options.placement?.ous ?? {}), ...(this.#options.disabledDn ? [this.#options.disabledDn] : [])];
    const byKey = new Map(ous.map((ou) => [normalizeDn(ou), formatDn(parseDn(ou))]));
    return [...byKey.values()];
  }

  #inDisabledOu(dn: string): boolean {
    const disabled = this.#options.disabledDn;
    return disabled !== undefined && normalizeDn(formatDn(parseDn(dn).slice(1))) === normalizeDn(disabled);
  }

  async #moveTo(account: AdAccount, ou: string): Promise<void> {
    const rdns = parseDn(account.dn);
    if (normalizeDn(formatDn(rdns.slice(1))) === normalizeDn(ou)) return;
    await this.#call('moving an account', (c) => c.modifyDN(account.id, `${formatDn(rdns.slice(0, 1))},${formatDn(parseDn(ou))}`));
  }

  async #setControl(id: string, uac: number, doing: string): Promise<void> {
    await this.#call(doing, (c) => c.modify(id, [replace('userAccountControl', [String(uac)])]));
  }

  /** Adds a member; false when the group does not exist. A member already there is success. */
  async #addValue(groupDn: string, id: string): Promise<boolean> {
    try {
      await this.#call('adding a group member', (c) => c.modify(groupDn, [memberChange('add', id)]));
      return true;
    } catch (error) {
      const code = resultCode(error);
      if (code === RESULT.typeOrValueExists || code === RESULT.alreadyExists) return true;
      if (code === RESULT.noSuchObject) return false;
      throw error;
    }
  }

  async #mustRead(id: string): Promise<AdAccount> {
    const account = await this.readAccount(id);
    if (!account) throw notFound(this.target, id);
    return account;
  }

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
    return (await this.#call(doing, (c) => c.search(base, { explicitBufferAttributes: ['objectGUID'], ...options }))).searchEntries;
  }

  /** A paged search on a connection of its own: the paging state belongs to the connection. */
  async *#pages(doing: string, base: string, options: SearchOptions): AsyncGenerator<Entry[]> {
    const client = await this.#sessions
      .next()
      .open()
      .catch((error: unknown) => {
        throw adError(this.target, doing, error);
      });
    try {
      for await (const page of client.searchPaginated(base, options)) yield page.searchEntries;
    } catch (error) {
      throw adError(this.target, doing, error);
    } finally {
      await client.unbind().catch(() => {});
    }
  }

  async #call<T>(doing: string, request: (client: Client) => Promise<T>): Promise<T> {
    return this.#sessions.call(request, (error) => adError(this.target, doing, error));
  }

  #groupDn(name: string): string {
    return `CN=${escapeDnValue(name)},${this.#groupsDn}`;
  }
}

function memberChange(operation: 'add' | 'delete', dn: string): Change {
  return new Change({ operation, modification: new Attribute({ type: 'member', values: [dn] }) });
}

/** Twenty random characters from all four classes AD's complexity rule counts. */
function randomPassword(): string {
  return `${randomBytes(15).toString('base64url')}aA1!`;
}

function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The values of a ranged `member;range=a-b` answer, and where the next range starts (null after the last). */
export function rangedValues(entry: Entry): { values: string[]; end: number | null } {
  for (const [name, value] of Object.entries(entry)) {
    const range = /^member;range=\d+-(\d+|\*)$/i.exec(name);
    const plain = name.toLowerCase() === 'member';
    if (!range && !plain) continue;
    const values = (Array.isArray(value) ? value : [value]).map(String);
    // ldapts lists the attribute asked for, empty, beside the one the server answered with
    if (values.length === 0) continue;
    return { values, end: range?.[1] === undefined || range[1] === '*' ? null : Number(range[1]) };
  }
  return { values: [], end: null };
}

import { MusterError } from '../../../core/errors.ts';
import type { AccountFields, AccountSpec, Connector, ConnectorCapabilities, Created, Receipt, RemoteAccount } from '../port.ts';
import { bulkLimits } from './bulk.ts';
import { ScimClient, type Json } from './client.ts';
import { failureError } from './failures.ts';
import { findGroup, groupNames, groupNamesOfMember, membershipDirectory, namesFromUser } from './groups.ts';
import { filterString, GROUP_SCHEMA, patch, remoteAccount, replaceOperations, userResource, type PatchOperation } from './mapping.ts';
import { SCIM_DEFAULTS, type ScimOptions } from './options.ts';
import { pages } from './paging.ts';
import { UserLookups } from './lookups.ts';

type GroupLookup = (userId: string) => Promise<string[]>;

/** The id at the end of a User's location (`…/Users/<id>`), as a /Bulk POST answers it. */
function idOfLocation(location: string | null | undefined): string | undefined {
  const match = location ? /\/Users\/([^/?#]+)\/?$/.exec(location) : null;
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

function userPath(id: string): string {
  return `/Users/${encodeURIComponent(id)}`;
}

/**
 * Accounts and groups in a SCIM 2.0 service (RFC 7643/7644). `capabilities.etags` is false until the
 * service's ServiceProviderConfig has been read, by `discover()` or by the first updateAccount; from
 * then on updates are conditional (If-Match on the version just read, one retry on 412). When it
 * advertises /Bulk, the User POSTs, unconditional PATCHes and DELETEs made at once go out together in /Bulk
 * requests within its maxOperations and maxPayloadSize, each answered (and failing) on its own; the look-ups by
 * userName made at once then go out together too (`userName eq "a" or userName eq "b" …`, src/connectors/accounts/scim/lookups.ts).
 */
export class ScimConnector implements Connector {
  readonly target: string;
  readonly kind = 'scim';
  readonly #client: ScimClient;
  readonly #pageSize: number;
  #capabilities: ConnectorCapabilities = Object.freeze({ list: true, groups: true, delete: true, etags: false, deferred: false });
  #discovery: Promise<ConnectorCapabilities> | null = null;
  /** A service that has once returned a User with `groups` fills it: a User without it is in no group. */
  #usersCarryGroups = false;
  readonly #lookups: UserLookups;

  constructor(target: string, options: ScimOptions) {
    this.target = target;
    this.#client = new ScimClient(target, options);
    this.#pageSize = options.pageSize ?? SCIM_DEFAULTS.pageSize;
    this.#lookups = new UserLookups((query, accept) => this.#client.request('GET', '/Users', { query, accept }));
  }

  get capabilities(): ConnectorCapabilities {
    return this.#capabilities;
  }

  /** Reads the ServiceProviderConfig once; a service without one is taken not to support ETags. */
  discover(): Promise<ConnectorCapabilities> {
    this.#discovery ??= this.#readServiceConfig().catch((error: unknown) => {
      this.#discovery = null;
      throw error;
    });
    return this.#discovery;
  }

  async findAccount(key: string): Promise<RemoteAccount | null> {
    const found = await this.#lookups.find(key);
    // userName is not case-exact (RFC 7643 §4.1.1): prefer the exact spelling
    const user = found.find((u) => u.userName === key) ?? found.find((u) => String(u.userName).toLowerCase() === key.toLowerCase());
    if (!user) return null;
    return remoteAccount(user, await this.#groupsOf(user, (id) => groupNamesOfMember(this.#client, id, this.#pageSize)));
  }

  async createAccount(spec: AccountSpec): Promise<Created> {
    const { body, location } = await this.#client.request('POST', '/Users', { body: userResource(spec), bulk: true });
    const id = typeof body?.id === 'string' ? body.id : idOfLocation(location);
    if (id === undefined)
      throw new MusterError('MUSTER_ERR_TARGET_REFUSED', `target '${this.target}': POST /Users answered without the new account's id`, [
        { field: 'key', value: spec.key, message: 'no id in the answer' },
      ]);
    return { id };
  }

  async updateAccount(id: string, fields: AccountFields): Promise<Receipt> {
    const operations = replaceOperations(fields);
    const { etags } = await this.discover();
    if (!operations.length) {
      await this.#version(id);
      return {};
    }
    if (!etags) {
      await this.#patchUser(id, operations, undefined);
      return {};
    }
    // conditional on the version just read; a change in between (412) is read again, once
    for (let attempt = 1; attempt <= 2; attempt++) {
      if ((await this.#patchUser(id, operations, await this.#version(id))) !== 412) return {};
    }
    throw new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', `target '${this.target}': account ${id} changed twice while it was being updated`, [
      { field: 'id', value: id, message: 'precondition failed (412) twice' },
    ]);
  }

  /** Replaces userName; the id stays. A userName another User holds is answered 409 (uniqueness). */
  async renameAccount(id: string, key: string): Promise<Created> {
    await this.#patchUser(id, [{ op: 'replace', path: 'userName', value: key }], undefined);
    return { id };
  }

  async disableAccount(id: string): Promise<Receipt> {
    await this.#patchUser(id, [{ op: 'replace', path: 'active', value: false }], undefined);
    return {};
  }

  async enableAccount(id: string): Promise<Receipt> {
    await this.#patchUser(id, [{ op: 'replace', path: 'active', value: true }], undefined);
    return {};
  }

  async deleteAccount(id: string): Promise<Receipt> {
    await this.#client.request('DELETE', userPath(id), { accept: [404], bulk: true });
    return {};
  }

  async *listAccounts(pageSize = this.#pageSize): AsyncIterable<readonly RemoteAccount[]> {
    let directory: Promise<Map<string, string[]>> | null = null;
    const fromDirectory: GroupLookup = async (userId) => (await (directory ??= membershipDirectory(this.#client, this.#pageSize))).get(userId) ?? [];
    for await (const page of pages(this.#client, '/Users', {}, pageSize)) {
      yield await Promise.all(page.map(async (user) => remoteAccount(user, await this.#groupsOf(user, fromDirectory))));
    }
  }

  listEntitlements(): Promise<readonly string[]> {
    return groupNames(this.#client, this.#pageSize);
  }

  async addMember(group: string, id: string): Promise<Receipt> {
    await this.#version(id);
    // a group can vanish between the lookup and the PATCH, or be created by another writer before the POST
    for (let attempt = 0; attempt < 3; attempt++) {
      if ((await this.#addToExisting(group, id)) || (await this.#createGroupWith(group, id))) return {};
    }
    throw new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', `target '${this.target}': group '${group}' kept changing while a member was added`, [
      { field: 'group', value: group, message: 'created and removed concurrently' },
    ]);
  }

  async removeMember(group: string, id: string): Promise<Receipt> {
    const found = await findGroup(this.#client, group);
    if (!found) return {};
    const request = `PATCH /Groups/${found.id}`;
    const operation: PatchOperation = { op: 'remove', path: `members[value eq ${filterString(id)}]` };
    const answer = await this.#client.request('PATCH', `/Groups/${encodeURIComponent(found.id)}`, { body: patch([operation]), accept: [400, 404] });
    // some services refuse to remove a non-member (400 noTarget); removing one is meant to succeed
    if (answer.status === 400 && answer.body?.scimType !== 'noTarget') throw failureError(this.target, request, { status: 400, retryAfter: null, body: answer.body });
    return {};
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  async #readServiceConfig(): Promise<ConnectorCapabilities> {
    const { status, body } = await this.#client.request('GET', '/ServiceProviderConfig', { accept: [404, 501] });
    const etag = status < 300 ? (body?.etag as { supported?: unknown } | undefined) : undefined;
    const bulk = status < 300 ? bulkLimits(body) : null;
    this.#client.useBulk(bulk);
    // a service that takes /Bulk and filters: the look-ups before a batch of creates go out together too
    this.#lookups.combine(bulk !== null && (body?.filter as { supported?: unknown } | undefined)?.supported === true);
    const { callsPerRequest: _, ...rest } = this.#capabilities;
    this.#capabilities = Object.freeze({ ...rest, etags: etag?.supported === true, ...(bulk ? { callsPerRequest: bulk.maxOperations } : {}) });
    return this.#capabilities;
  }

  async #groupsOf(user: Json, lookup: GroupLookup): Promise<string[]> {
    const listed = await namesFromUser(this.#client, user);
    if (listed !== null) {
      this.#usersCarryGroups = true;
      return listed;
    }
    return this.#usersCarryGroups ? [] : lookup(String(user.id));
  }

  /** The account's current version (meta.version, else the ETag header; null when the service keeps none). */
  async #version(id: string): Promise<string | null> {
    const { status, body, etag } = await this.#client.request('GET', userPath(id), { accept: [404] });
    if (status === 404) throw this.#notFound(id);
    const version = (body?.meta as { version?: unknown } | undefined)?.version;
    return typeof version === 'string' ? version : etag;
  }

  /** PATCHes a User; answers the status (412 when the version did not match). */
  async #patchUser(id: string, operations: readonly PatchOperation[], ifMatch: string | null | undefined): Promise<number> {
    const { status } = await this.#client.request('PATCH', userPath(id), { body: patch(operations), ifMatch: ifMatch ?? undefined, accept: [404, 412], bulk: true });
    if (status === 404) throw this.#notFound(id);
    return status;
  }

  async #addToExisting(group: string, id: string): Promise<boolean> {
    const found = await findGroup(this.#client, group);
    if (!found) return false;
    const add: PatchOperation = { op: 'add', path: 'members', value: [{ value: id }] };
    // 409: a service that refuses a member twice; the account is a member either way
    const { status } = await this.#client.request('PATCH', `/Groups/${encodeURIComponent(found.id)}`, { body: patch([add]), accept: [404, 409] });
    return status !== 404;
  }

  async #createGroupWith(group: string, id: string): Promise<boolean> {
    const body = { schemas: [GROUP_SCHEMA], displayName: group, members: [{ value: id }] };
    const { status } = await this.#client.request('POST', '/Groups', { body, accept: [409] });
    return status !== 409;
  }

  #notFound(id: string): MusterError {
    return new MusterError('MUSTER_ERR_NOT_FOUND', `target '${this.target}' has no account ${id}`, [{ field: 'id', value: id, message: 'no such account' }]);
  }
}

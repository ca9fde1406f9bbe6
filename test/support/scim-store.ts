// Storage of the test SCIM service, behind SCIMMY's ingress/egress/degress handlers. SCIMMY's
// resource classes and their handlers are global, so each request's context names its service's store.
import { randomUUID } from 'node:crypto';
import SCIMMY from 'scimmy';

export type Json = Record<string, unknown>;

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Stored {
  readonly id: string;
  data: Json;
  version: number;
  readonly created: string;
  lastModified: string;
}

function scimError(status: number, scimType: string | null, message: string): Error {
  return new SCIMMY.Types.Error(status, scimType as string, message);
}

function notFound(id: string): never {
  throw scimError(404, null, `Resource ${id} not found`);
}

function memberIds(members: unknown): string[] {
  return Array.isArray(members) ? (members as Json[]).map((m) => String(m.value)) : [];
}

function etag(stored: Stored): string {
  return `W/"${stored.version}"`;
}

function copy(data: Json): Json {
  return JSON.parse(JSON.stringify(data)) as Json;
}

/** One service's users and groups, indexed so that no request scans resources it need not. */
export class ScimStore {
  readonly users = new Map<string, Stored>();
  readonly groups = new Map<string, Stored>();
  readonly #userIdByName = new Map<string, string>();
  readonly #groupIdByName = new Map<string, string>();
  readonly #groupIdsOfUser = new Map<string, Set<string>>();

  userByName(userName: string): Stored | undefined {
    const id = this.#userIdByName.get(userName.toLowerCase());
    return id === undefined ? undefined : this.users.get(id);
  }

  groupByName(displayName: string): Stored | undefined {
    const id = this.#groupIdByName.get(displayName.toLowerCase());
    return id === undefined ? undefined : this.groups.get(id);
  }

  groupsOf(userId: string): Stored[] {
    return [...(this.#groupIdsOfUser.get(userId) ?? [])].flatMap((id) => this.groups.get(id) ?? []);
  }

  /** Creates (no id) or replaces a user; userName is unique regardless of case (RFC 7643 §4.1.1). */
  writeUser(id: string | undefined, data: Json, ifMatch: string | undefined): Stored {
    const userName = String(data.userName ?? '').toLowerCase();
    // RFC 7643 §4.1.1 wants a non-empty userName; SCIMMY only checks that there is one
    if (!userName) throw scimError(400, 'invalidValue', 'userName must not be empty');
    const holder = this.#userIdByName.get(userName);
    if (holder !== undefined && holder !== id) throw scimError(409, 'uniqueness', `userName '${String(data.userName)}' is taken`);
    const user = id === undefined ? this.#create(this.users) : this.#existing(this.users, id, ifMatch);
    this.#userIdByName.delete(String(user.data.userName ?? '').toLowerCase());
    this.#userIdByName.set(userName, user.id);
    this.#update(user, data);
    return user;
  }

  /** Creates or replaces a group: displayName is unique here, and members must be users of this service. */
  writeGroup(id: string | undefined, data: Json, ifMatch: string | undefined): Stored {
    const displayName = String(data.displayName ?? '').toLowerCase();
    const holder = this.#groupIdByName.get(displayName);
    if (holder !== undefined && holder !== id) throw scimError(409, 'uniqueness', `displayName '${String(data.displayName)}' is taken`);
    const members = this.#checkedMembers(data.members);
    const group = id === undefined ? this.#create(this.groups) : this.#existing(this.groups, id, ifMatch);
    this.#groupIdByName.delete(String(group.data.displayName ?? '').toLowerCase());
    this.#groupIdByName.set(displayName, group.id);
    this.#indexMembers(group.id, memberIds(group.data.members), members);
    this.#update(group, { ...data, members: members.length ? members : undefined });
    return group;
  }

  deleteUser(id: string, ifMatch: string | undefined): void {
    const user = this.#existing(this.users, id, ifMatch);
    for (const group of this.groupsOf(id)) {
      const members = (group.data.members as Json[]).filter((m) => m.value !== id);
      this.#update(group, { ...group.data, members: members.length ? members : undefined });
    }
    this.#groupIdsOfUser.delete(id);
    this.#userIdByName.delete(String(user.data.userName ?? '').toLowerCase());
    this.users.delete(id);
  }

  deleteGroup(id: string, ifMatch: string | undefined): void {
    const group = this.#existing(this.groups, id, ifMatch);
    this.#indexMembers(id, memberIds(group.data.members), []);
    this.#groupIdByName.delete(String(group.data.displayName ?? '').toLowerCase());
    this.groups.delete(id);
  }

  #create(into: Map<string, Stored>): Stored {
    const now = new Date().toISOString();
    const stored = { id: randomUUID(), data: {}, version: 0, created: now, lastModified: now };
    into.set(stored.id, stored);
    return stored;
  }

  /** The resource with this id, if If-Match (RFC 7644 §3.14) names its version. */
  #existing(from: Map<string, Stored>, id: string, ifMatch: string | undefined): Stored {
    const found = from.get(id) ?? notFound(id);
    if (ifMatch !== undefined && ifMatch.trim() !== '*' && !ifMatch.split(',').some((v) => v.trim() === etag(found))) {
      throw scimError(412, null, `Resource ${id} has changed: its version is ${etag(found)}`);
    }
    return found;
  }

  /** A write that changes nothing keeps the version, so that a repeated PATCH is not a change. */
  #update(stored: Stored, data: Json): void {
    const next = copy(data);
    if (stored.version > 0 && JSON.stringify(next) === JSON.stringify(stored.data)) return;
    stored.data = next;
    stored.version++;
    stored.lastModified = new Date().toISOString();
  }

  #checkedMembers(members: unknown): Json[] {
    const byValue = new Map<string, Json>();
    for (const member of Array.isArray(members) ? (members as Json[]) : []) {
      const value = String(member.value ?? '');
      if (!this.users.has(value)) throw scimError(400, 'invalidValue', `member '${value}' is not a user of this service`);
      byValue.set(value, { value, type: 'User' });
    }
    return [...byValue.values()];
  }

  #indexMembers(groupId: string, before: readonly string[], after: readonly Json[]): void {
    for (const userId of before) this.#groupIdsOfUser.get(userId)?.delete(groupId);
    for (const member of after) {
      const userId = String(member.value);
      let groups = this.#groupIdsOfUser.get(userId);
      if (!groups) this.#groupIdsOfUser.set(userId, (groups = new Set()));
      groups.add(groupId);
    }
  }
}

/** What SCIMMY passes each handler: the store of the service that got the request, and its settings. */
export interface ScimContext {
  readonly store: ScimStore;
  readonly ifMatch: string | undefined;
  readonly groupsOnUsers: boolean;
  readonly fastPatch: boolean;
}

function meta(stored: Stored): Json {
  return { created: stored.created, lastModified: stored.lastModified, version: etag(stored) };
}

export function renderUser(ctx: Pick<ScimContext, 'store' | 'groupsOnUsers'>, user: Stored): Json {
  if (!ctx.groupsOnUsers) return { ...user.data, id: user.id, meta: meta(user) };
  const groups = ctx.store.groupsOf(user.id).map((g) => ({ value: g.id, display: g.data.displayName, type: 'direct' }));
  return { ...user.data, id: user.id, groups, meta: meta(user) };
}

function renderGroup(group: Stored): Json {
  return { ...group.data, id: group.id, meta: meta(group) };
}

// ---- filters and pages --------------------------------------------------------------------

type Filter = SCIMMY.Types.Filter;
type Constraints = NonNullable<SCIMMY.Types.Resource['constraints']> & { totalResults?: number };

/** Undoes the JSON escapes SCIMMY leaves in a filter's string values. */
function decodeFilterString(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** The value of a filter that is exactly `<path> eq "<value>"` (the lookups an index answers), else undefined. */
function equalityValue(filter: Filter | undefined, path: string): string | undefined {
  if (filter?.length !== 1) return undefined;
  let node: unknown = filter[0];
  for (const name of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    const keys = Object.keys(node);
    if (keys.length !== 1 || keys[0]?.toLowerCase() !== name.toLowerCase()) return undefined;
    node = (node as Json)[keys[0]];
  }
  if (!Array.isArray(node) || node.length !== 2 || String(node[0]).toLowerCase() !== 'eq' || typeof node[1] !== 'string') return undefined;
  return decodeFilterString(node[1]);
}

/**
 * What to hand SCIMMY for one page of `matches`. Its ListResponse skips to startIndex by itself
 * unless the list seems to end at the page, then cuts to count; so it gets the page and, when it
 * will skip, what precedes the page. Only that is rendered, not every match on every request.
 */
function pageForListResponse<T>(resource: SCIMMY.Types.Resource, matches: readonly T[]): readonly T[] {
  const constraints: Constraints = { ...resource.constraints, totalResults: matches.length };
  resource.constraints = constraints;
  if (constraints.sortBy !== undefined) return matches;
  const start = constraints.startIndex ?? 1;
  const page = matches.slice(start - 1, start - 1 + (constraints.count ?? 20));
  if (start === 1 || page.length < start) return page;
  let end = start - 1 + page.length;
  if (matches.length === end + start - 1) end++;
  return matches.slice(0, end);
}

/** The values of a filter that is only `<path> eq "<value>"` clauses joined by `or`, else undefined. */
function equalityValues(filter: Filter, path: string): string[] | undefined {
  const values = [...filter].map((branch) => equalityValue([branch] as unknown as Filter, path));
  return values.length > 1 && values.every((v) => v !== undefined) ? (values as string[]) : undefined;
}

function matchAll(filter: Filter, rendered: Json[], from: Map<string, Stored>): Stored[] {
  return filter.match(rendered).flatMap((r: Json) => from.get(String(r.id)) ?? []);
}

function selectUsers(ctx: ScimContext, filter: Filter | undefined): Stored[] {
  const { store } = ctx;
  if (!filter) return [...store.users.values()];
  const userName = equalityValue(filter, 'userName');
  if (userName !== undefined) return [store.userByName(userName) ?? []].flat();
  const userNames = equalityValues(filter, 'userName');
  if (userNames !== undefined) return [...new Set(userNames.flatMap((n) => store.userByName(n) ?? []))];
  const id = equalityValue(filter, 'id');
  if (id !== undefined) return [store.users.get(id) ?? []].flat();
  return matchAll(
    filter,
    [...store.users.values()].map((u) => renderUser(ctx, u)),
    store.users,
  );
}

function selectGroups(store: ScimStore, filter: Filter | undefined): Stored[] {
  if (!filter) return [...store.groups.values()];
  const displayName = equalityValue(filter, 'displayName');
  if (displayName !== undefined) return [store.groupByName(displayName) ?? []].flat();
  const member = equalityValue(filter, 'members.value');
  if (member !== undefined) return store.groupsOf(member);
  return matchAll(filter, [...store.groups.values()].map(renderGroup), store.groups);
}

/** A coerced SCIMMY instance as stored data: without what the service assigns. */
function plain(instance: unknown): Json {
  const data = copy(instance as Json);
  delete data.id;
  delete data.meta;
  delete data.groups;
  return data;
}

// ---- the fast lane ------------------------------------------------------------------------

/**
 * The new values of a PatchOp made only of `replace` on plain top-level attributes (`active`,
 * `title`), each coerced by SCIMMY's attribute definition; null for anything else, or anything
 * doubtful, which SCIMMY's PatchOp then handles (and reports).
 */
function plainReplacements(message: unknown): Map<string, unknown> | null {
  const { schemas, Operations: operations } = (message ?? {}) as { schemas?: unknown; Operations?: unknown };
  if (!Array.isArray(schemas) || schemas.length !== 1 || schemas[0] !== PATCH_OP || !Array.isArray(operations) || !operations.length) return null;
  const values = new Map<string, unknown>();
  for (const operation of operations as Json[]) {
    const { op, path, value } = operation;
    if (String(op).toLowerCase() !== 'replace' || typeof path !== 'string' || !/^[A-Za-z]\w*$/.test(path)) return null;
    if (!['string', 'boolean', 'number'].includes(typeof value)) return null;
    try {
      const attribute = SCIMMY.Schemas.User.definition.attribute(path);
      const { type, multiValued, mutability } = attribute.toJSON();
      if (type === 'complex' || multiValued || mutability !== 'readWrite' || attribute.config.direction !== 'both') return null;
      values.set(attribute.name, attribute.coerce(value, 'in'));
    } catch {
      return null;
    }
  }
  return values;
}

/**
 * SCIMMY's User resource. SCIMMY's PATCH coerces the whole resource some seven times (2–3 ms of CPU a
 * request); with `fastPatch`, a PATCH that only replaces plain attributes is applied here instead, so
 * that a benchmark pushing thousands of disables measures its client rather than that coercion.
 */
class ServiceUser extends SCIMMY.Resources.User {
  override async patch<T>(message: Parameters<SCIMMY.Resources.User['patch']>[0], context?: T): Promise<SCIMMY.Schemas.User> {
    const ctx = context as ScimContext | undefined;
    const values = ctx?.fastPatch && this.id ? plainReplacements(message) : null;
    if (!ctx || !values || !this.id) return super.patch(message, context);
    const user = ctx.store.users.get(this.id) ?? notFound(this.id);
    const version = user.version;
    ctx.store.writeUser(this.id, { ...user.data, ...Object.fromEntries(values) }, ctx.ifMatch);
    // as SCIMMY does: 204 when nothing changed, else the resource
    if (user.version === version) return undefined as unknown as SCIMMY.Schemas.User;
    const rendered = renderUser(ctx, user);
    return (this.attributes ? new SCIMMY.Schemas.User(rendered, 'out', ServiceUser.basepath() as string, this.attributes) : rendered) as SCIMMY.Schemas.User;
  }
}

/** The most a test service's /Bulk takes: SCIMMY's own limits, under which each service sets its own. */
export const BULK_CEILING = { maxOperations: 1000, maxPayloadSize: 4_194_304 } as const;

/** Declares Users (with the enterprise extension) and Groups to SCIMMY, once per process. */
export function declareResources(): void {
  if (SCIMMY.Resources.declared('User')) return;
  // /Bulk on for SCIMMY as a whole, at the largest limits a service may set; each service advertises (and keeps to) its own
  SCIMMY.Config.set({ etag: true, bulk: { supported: true, maxOperations: BULK_CEILING.maxOperations, maxPayloadSize: BULK_CEILING.maxPayloadSize } });
  SCIMMY.Resources.declare(ServiceUser, {
    name: 'User',
    extensions: [{ schema: SCIMMY.Schemas.EnterpriseUser, required: false }],
    egress: (resource: SCIMMY.Resources.User, ctx: ScimContext) => {
      if (resource.id) return renderUser(ctx, ctx.store.users.get(resource.id) ?? notFound(resource.id));
      return pageForListResponse(resource, selectUsers(ctx, resource.filter)).map((u) => renderUser(ctx, u));
    },
    ingress: (resource: SCIMMY.Resources.User, instance: unknown, ctx: ScimContext) => renderUser(ctx, ctx.store.writeUser(resource.id, plain(instance), ctx.ifMatch)),
    degress: (resource: SCIMMY.Resources.User, ctx: ScimContext) => ctx.store.deleteUser(String(resource.id), ctx.ifMatch),
  });
  SCIMMY.Resources.declare(SCIMMY.Resources.Group, {
    egress: (resource: SCIMMY.Resources.Group, ctx: ScimContext) => {
      if (resource.id) return renderGroup(ctx.store.groups.get(resource.id) ?? notFound(resource.id));
      return pageForListResponse(resource, selectGroups(ctx.store, resource.filter)).map(renderGroup);
    },
    ingress: (resource: SCIMMY.Resources.Group, instance: unknown, ctx: ScimContext) => renderGroup(ctx.store.writeGroup(resource.id, plain(instance), ctx.ifMatch)),
    degress: (resource: SCIMMY.Resources.Group, ctx: ScimContext) => ctx.store.deleteGroup(String(resource.id), ctx.ifMatch),
  });
}

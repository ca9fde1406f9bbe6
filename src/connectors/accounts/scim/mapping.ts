// The SCIM User resource (RFC 7643 §4.1, with the enterprise extension §4.3) and muster's account.
import type { AccountField, AccountFields, AccountSpec, RemoteAccount } from '../port.ts';
import type { Json } from './client.ts';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface PatchOperation {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path?: string;
  readonly value?: unknown;
}

/** Where each account field lives in a User resource, as a PATCH path. */
const FIELD_PATHS: Readonly<Record<AccountField, string>> = {
  displayName: 'displayName',
  givenName: 'name.givenName',
  familyName: 'name.familyName',
  email: 'emails',
  title: 'title',
  userType: 'userType',
  department: `${ENTERPRISE_USER}:department`,
};

function given(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** muster provisions one address: the primary work address. */
function workEmail(address: string): Json[] {
  return [{ value: address, type: 'work', primary: true }];
}

/** The User resource to create for an account spec; absent fields are left out. */
export function userResource(spec: AccountSpec): Json {
  const f = spec.fields;
  const department = given(f.department);
  const name = { givenName: given(f.givenName), familyName: given(f.familyName) };
  const email = given(f.email);
  return {
    schemas: department ? [USER_SCHEMA, ENTERPRISE_USER] : [USER_SCHEMA],
    userName: spec.key,
    externalId: spec.correlationId,
    active: spec.enabled,
    ...(name.givenName || name.familyName ? { name } : {}),
    displayName: given(f.displayName),
    title: given(f.title),
    userType: given(f.userType),
    ...(email ? { emails: workEmail(email) } : {}),
    ...(department ? { [ENTERPRISE_USER]: { department } } : {}),
  };
}

/** PATCH operations that replace the given fields only; an empty value removes the attribute. */
export function replaceOperations(fields: AccountFields): PatchOperation[] {
  const operations: PatchOperation[] = [];
  for (const [field, path] of Object.entries(FIELD_PATHS) as [AccountField, string][]) {
    const value = fields[field];
    if (value === undefined) continue;
    if (value === '') operations.push({ op: 'remove', path });
    else operations.push({ op: 'replace', path, value: field === 'email' ? workEmail(value) : value });
  }
  return operations;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

/** The primary address, else the work address, else the first. */
function primaryEmail(emails: unknown): string | undefined {
  if (!Array.isArray(emails)) return undefined;
  const all = emails.map(record);
  return str((all.find((e) => e.primary === true) ?? all.find((e) => e.type === 'work') ?? all[0])?.value);
}

/** The account fields a User resource carries. */
export function accountFields(user: Json): AccountFields {
  const name = record(user.name);
  const found: Record<AccountField, string | undefined> = {
    displayName: str(user.displayName),
    givenName: str(name.givenName),
    familyName: str(name.familyName),
    email: primaryEmail(user.emails),
    title: str(user.title),
    userType: str(user.userType),
    department: str(record(user[ENTERPRISE_USER]).department),
  };
  return Object.fromEntries(Object.entries(found).filter(([, value]) => value !== undefined)) as AccountFields;
}

/** A User resource as muster sees it; `groups` are the names found for it. */
export function remoteAccount(user: Json, groups: readonly string[]): RemoteAccount {
  return {
    id: String(user.id),
    key: String(user.userName),
    correlationId: str(user.externalId) ?? null,
    // RFC 7643 leaves an absent `active` to the service; services that omit it do not disable
    enabled: user.active !== false,
    fields: accountFields(user),
    groups,
  };
}

/** The names of the groups a User's `groups` attribute lists directly, or null when the service left it out. */
export function directGroups(user: Json): { readonly id: string; readonly name: string | undefined }[] | null {
  if (!Array.isArray(user.groups)) return null;
  return user.groups
    .map(record)
    .filter((g) => g.type === undefined || g.type === 'direct')
    .map((g) => ({ id: String(g.value), name: str(g.display) }));
}

/** A string literal of a SCIM filter: a JSON string (RFC 7644 §3.4.2.2), so quotes and backslashes are escaped. */
export function filterString(value: string): string {
  return JSON.stringify(value);
}

export function patch(operations: readonly PatchOperation[]): Json {
  return { schemas: [PATCH_OP], Operations: operations };
}

/**
 * How muster's account fields sit in an inetOrgPerson entry. cn and sn are required by the schema, so
 * they fall back to the login when muster has no display or family name.
 */
import { Attribute, Change, type Entry } from 'ldapts';
import type { AccountField, AccountFields, AccountSpec, RemoteAccount } from '../port.ts';
import { childValue, formatDn, parseDn } from './dn.ts';

export const FIELD_ATTRIBUTES: Readonly<Record<AccountField, string>> = {
  displayName: 'displayName',
  givenName: 'givenName',
  familyName: 'sn',
  email: 'mail',
  title: 'title',
  department: 'departmentNumber',
  userType: 'employeeType',
};

export const ACCOUNT_OBJECT_CLASSES = ['top', 'person', 'organizationalPerson', 'inetOrgPerson'];
export const GROUP_OBJECT_CLASSES = ['top', 'groupOfNames'];

/** ppolicy's permanent lock: an account with this value cannot bind until an administrator removes it. */
export const LOCKED_FOREVER = '000001010000Z';
export const LOCK_ATTRIBUTE = 'pwdAccountLockedTime';

/** Both pwdAccountLockedTime and memberOf are operational: a search returns them only when named. */
export const ACCOUNT_ATTRIBUTES = ['uid', 'employeeNumber', ...Object.values(FIELD_ATTRIBUTES), LOCK_ATTRIBUTE, 'memberOf'];

export type AttributeValues = Record<string, string[]>;

/** The attributes of a new account entry. */
export function accountAttributes(spec: AccountSpec): AttributeValues {
  const attributes: AttributeValues = {
    objectClass: ACCOUNT_OBJECT_CLASSES,
    uid: [spec.key],
    employeeNumber: [spec.correlationId],
    cn: [spec.fields.displayName || spec.key],
    sn: [spec.fields.familyName || spec.key],
  };
  for (const [field, attribute] of Object.entries(FIELD_ATTRIBUTES) as [AccountField, string][]) {
    const value = spec.fields[field];
    if (value && attribute !== 'sn') attributes[attribute] = [value];
  }
  if (!spec.enabled) attributes[LOCK_ATTRIBUTE] = [LOCKED_FOREVER];
  return attributes;
}

function replace(type: string, values: string[]): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
}

/** Replaces the given fields; an empty value removes the attribute (or restores the fallback of cn and sn). */
export function fieldChanges(key: string, fields: AccountFields): Change[] {
  const changes: Change[] = [];
  for (const [field, value] of Object.entries(fields) as [AccountField, string | undefined][]) {
    if (value === undefined) continue;
    const attribute = FIELD_ATTRIBUTES[field];
    changes.push(replace(attribute, attribute === 'sn' ? [value || key] : value ? [value] : []));
    if (field === 'displayName') changes.push(replace('cn', [value || key]));
  }
  return changes;
}

export function lockChange(locked: boolean): Change {
  return new Change({ operation: locked ? 'replace' : 'delete', modification: new Attribute({ type: LOCK_ATTRIBUTE, values: locked ? [LOCKED_FOREVER] : [] }) });
}

/** Attribute values by lower-cased name: servers may answer with another case than was asked. */
export function entryValues(entry: Entry): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const [name, value] of Object.entries(entry)) {
    if (name === 'dn') continue;
    const list = Array.isArray(value) ? value : [value];
    values.set(
      name.toLowerCase(),
      list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v)),
    );
  }
  return values;
}

export function entryFields(values: Map<string, string[]>): AccountFields {
  const fields: AccountFields = {};
  for (const [field, attribute] of Object.entries(FIELD_ATTRIBUTES) as [AccountField, string][]) {
    const value = values.get(attribute.toLowerCase())?.[0];
    if (value !== undefined) fields[field] = value;
  }
  return fields;
}

/** Names of the groups below the groups container (given normalized) among an entry's memberOf values. */
export function groupNames(values: Map<string, string[]>, normalizedGroupsDn: string): string[] {
  const names = (values.get('memberof') ?? []).map((dn) => childValue(dn, normalizedGroupsDn));
  return names.filter((name): name is string => name !== null).sort();
}

/** An account entry as the port reports it; the id is the DN in this connector's own escaping. */
export function remoteAccount(entry: Entry, normalizedGroupsDn: string): RemoteAccount {
  const values = entryValues(entry);
  const rdns = parseDn(entry.dn);
  const naming = rdns[0]?.type.toLowerCase() === 'uid' ? rdns[0].value : undefined;
  return {
    id: formatDn(rdns),
    key: naming ?? values.get('uid')?.[0] ?? '',
    correlationId: values.get('employeenumber')?.[0] ?? null,
    enabled: !values.get(LOCK_ATTRIBUTE.toLowerCase())?.length,
    fields: entryFields(values),
    groups: groupNames(values, normalizedGroupsDn),
  };
}

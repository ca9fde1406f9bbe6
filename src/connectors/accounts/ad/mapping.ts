/** How muster's account fields sit in an Active Directory user. */
import { Attribute, Change, type Entry } from 'ldapts';
import type { AccountField, AccountFields, RemoteAccount } from '../port.ts';
import { childValue } from '../ldap/dn.ts';
import { entryValues } from '../ldap/mapping.ts';
import { isStrongMapping } from './cert-mapping.ts';
import { guidId, guidString } from './guid.ts';

export const FIELD_ATTRIBUTES: Readonly<Record<AccountField, string>> = {
  displayName: 'displayName',
  givenName: 'givenName',
  familyName: 'sn',
  email: 'mail',
  title: 'title',
  department: 'department',
  userType: 'employeeType',
};

/** userAccountControl flags (MS-ADTS 2.2.16). */
export const UAC = { accountDisable: 0x2, normalAccount: 0x200, smartcardRequired: 0x40000 } as const;

export const USER_OBJECT_CLASSES = ['top', 'person', 'organizationalPerson', 'user'];
export const GROUP_OBJECT_CLASSES = ['top', 'group'];
/** A global security group. */
export const GLOBAL_SECURITY_GROUP = String(0x80000002 | 0);

export function accountAttributeNames(correlationAttribute: string): string[] {
  return [
    'objectGUID',
    'userPrincipalName',
    'sAMAccountName',
    correlationAttribute,
    ...Object.values(FIELD_ATTRIBUTES),
    'userAccountControl',
    'memberOf',
    'manager',
    'altSecurityIdentities',
    'uSNChanged',
  ];
}

/** unicodePwd takes the password in double quotes, UTF-16LE. */
export function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

export function userAccountControl(enabled: boolean, smartcardRequired: boolean): number {
  return UAC.normalAccount | (enabled ? 0 : UAC.accountDisable) | (smartcardRequired ? UAC.smartcardRequired : 0);
}

export function replace(type: string, values: string[]): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
}

export function fieldAttributes(fields: AccountFields): Record<string, string[]> {
  const attributes: Record<string, string[]> = {};
  for (const [field, attribute] of Object.entries(FIELD_ATTRIBUTES) as [AccountField, string][]) {
    const value = fields[field];
    if (value) attributes[attribute] = [value];
  }
  return attributes;
}

/** Replaces the given fields; an empty value removes the attribute. */
export function fieldChanges(fields: AccountFields): Change[] {
  const changes: Change[] = [];
  for (const [field, value] of Object.entries(fields) as [AccountField, string | undefined][]) {
    if (value !== undefined) changes.push(replace(FIELD_ATTRIBUTES[field], value ? [value] : []));
  }
  return changes;
}

export function entryFields(values: Map<string, string[]>): AccountFields {
  const fields: AccountFields = {};
  for (const [field, attribute] of Object.entries(FIELD_ATTRIBUTES) as [AccountField, string][]) {
    const value = values.get(attribute.toLowerCase())?.[0];
    if (value !== undefined) fields[field] = value;
  }
  return fields;
}

/** The login in a userPrincipalName: its local part when the suffix is the configured one, else the whole UPN. */
export function keyOfUpn(upn: string, suffix: string): string {
  const tail = `@${suffix.toLowerCase()}`;
  return upn.toLowerCase().endsWith(tail) ? upn.slice(0, upn.length - tail.length) : upn;
}

export function upnOf(key: string, suffix: string): string {
  return key.includes('@') ? key : `${key}@${suffix}`;
}

/** An AD user as the port reports it, plus what only AD has. */
export interface AdAccount extends RemoteAccount {
  readonly dn: string;
  readonly samAccountName: string;
  readonly userAccountControl: number;
  readonly altSecurityIdentities: readonly string[];
  readonly manager: string | null;
  readonly usnChanged: number;
}

export interface AccountReading {
  readonly upnSuffix: string;
  readonly correlationAttribute: string;
  readonly normalizedGroupsDn: string;
}

export function adAccount(entry: Entry, reading: AccountReading): AdAccount {
  const guid = entry.objectGUID;
  const bytes = Array.isArray(guid) ? guid[0] : guid;
  if (!Buffer.isBuffer(bytes)) throw new TypeError(`the entry ${entry.dn} came without its objectGUID`);
  const values = entryValues(entry);
  const uac = Number(values.get('useraccountcontrol')?.[0] ?? UAC.normalAccount);
  const groups = (values.get('memberof') ?? []).map((dn) => childValue(dn, reading.normalizedGroupsDn)).filter((name): name is string => name !== null);
  return {
    id: guidId(guidString(bytes)),
    dn: entry.dn,
    key: keyOfUpn(values.get('userprincipalname')?.[0] ?? '', reading.upnSuffix),
    correlationId: values.get(reading.correlationAttribute.toLowerCase())?.[0] ?? null,
    enabled: (uac & UAC.accountDisable) === 0,
    fields: entryFields(values),
    groups: groups.sort(),
    samAccountName: values.get('samaccountname')?.[0] ?? '',
    userAccountControl: uac,
    altSecurityIdentities: values.get('altsecurityidentities') ?? [],
    certificateMappings: (values.get('altsecurityidentities') ?? []).filter(isStrongMapping).sort(),
    manager: values.get('manager')?.[0] ?? null,
    usnChanged: Number(values.get('usnchanged')?.[0] ?? 0),
  };
}

// The SCIM User (RFC 7643 §4.1) muster pushes to a relying party: keyed by the RP's pairwise subject identifier,
// with only the attributes the trust agreement lists, and muster's PIV extension.
import { IAL_VALUE, type ReleasableAttribute } from '../../core/federation/profile.ts';
import { USER_SCHEMA } from '../../connectors/accounts/scim/mapping.ts';

export type Json = Record<string, unknown>;

/** muster's SCIM extension for the attributes SP 800-217 §6.1 makes available to every RP. */
export const PIV_EXTENSION = 'urn:muster:params:scim:schemas:extension:piv:1.0:User';

/** What an RP account is made of: the subject it is keyed by, its state, and the identity's attribute values. */
export interface RpAccount {
  /** The RP's pairwise subject identifier: both `externalId` and `userName`. */
  readonly sub: string;
  readonly active: boolean;
  /** SP 800-87 agency code of the home agency. */
  readonly homeAgency: string | null;
  readonly affiliations: readonly string[];
  readonly lastUpdated: Date;
  /** MUR attribute name → value. */
  readonly values: Readonly<Record<string, string | undefined>>;
}

type NameParts = { givenName?: string; familyName?: string; formatted?: string };

function given(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function formattedName(values: RpAccount['values']): string | undefined {
  return given(values.full_name) ?? given([values.given_name, values.family_name].filter((v) => given(v)).join(' '));
}

/** The name parts each agreed attribute releases. */
const NAME_PARTS: Partial<Record<ReleasableAttribute, (v: RpAccount['values']) => NameParts>> = {
  name: (v) => compact({ givenName: given(v.given_name), familyName: given(v.family_name), formatted: formattedName(v) }),
  given_name: (v) => compact({ givenName: given(v.given_name) }),
  family_name: (v) => compact({ familyName: given(v.family_name) }),
};

/** The multi-valued attributes each agreed attribute releases; the MUR keeps no phone number or postal address yet, so those release nothing until it does. */
const VALUED: Partial<Record<ReleasableAttribute, (v: RpAccount['values']) => Json>> = {
  email: (v) => (given(v.email) ? { emails: [{ value: v.email, type: 'work', primary: true }] } : {}),
  phone_number: (v) => (given(v.phone_number) ? { phoneNumbers: [{ value: v.phone_number, type: 'work', primary: true }] } : {}),
  address: (v) => (given(v.address) ? { addresses: [{ formatted: v.address, type: 'work', primary: true }] } : {}),
};

function nameOf(account: RpAccount, agreed: readonly ReleasableAttribute[]): Json {
  const name: NameParts = {};
  for (const attribute of agreed) Object.assign(name, NAME_PARTS[attribute]?.(account.values));
  return Object.keys(name).length > 0 ? { name } : {};
}

function extensionOf(account: RpAccount): Json {
  return compact({
    homeAgency: account.homeAgency === null ? undefined : `agency_code:${account.homeAgency}`,
    orgAffiliations: [...account.affiliations],
    ial: IAL_VALUE,
    lastUpdated: account.lastUpdated.toISOString(),
  });
}

/**
 * The User resource for an RP account. Nothing but the subject identifier names the person: never an employee id,
 * FASC-N, card UUID or EDIPI. `x509_certificate_id` is an assertion claim and is never provisioned.
 */
export function rpUserResource(account: RpAccount, agreed: readonly ReleasableAttribute[], withExtension: boolean): Json {
  return {
    schemas: withExtension ? [USER_SCHEMA, PIV_EXTENSION] : [USER_SCHEMA],
    externalId: account.sub,
    userName: account.sub,
    active: account.active,
    ...nameOf(account, agreed),
    ...Object.assign({}, ...agreed.map((a) => VALUED[a]?.(account.values) ?? {})),
    ...(withExtension ? { [PIV_EXTENSION]: extensionOf(account) } : {}),
  };
}

/** The resource without muster's extension, for a service that refuses it. */
export function withoutExtension(resource: Json): Json {
  const { [PIV_EXTENSION]: _dropped, ...rest } = resource;
  return { ...rest, schemas: [USER_SCHEMA] };
}

export function hasExtension(resource: Json): boolean {
  return Array.isArray(resource.schemas) && resource.schemas.includes(PIV_EXTENSION);
}

/** The account fields muster provisions, and the identity attribute each one is filled from. */
export const ACCOUNT_FIELD_SOURCES = Object.freeze({
  displayName: 'full_name',
  givenName: 'given_name',
  familyName: 'family_name',
  email: 'email',
  title: 'job_title',
  department: 'department',
  userType: 'user_type',
} as const);

export type AccountField = keyof typeof ACCOUNT_FIELD_SOURCES;
export type AccountFields = Partial<Record<AccountField, string>>;
export const ACCOUNT_FIELDS = Object.freeze(Object.keys(ACCOUNT_FIELD_SOURCES) as AccountField[]);

/** The fields of an account for these identity attributes; absent attributes give no field. */
export function accountFields(attributes: Readonly<Record<string, string>>): AccountFields {
  const fields: AccountFields = {};
  for (const field of ACCOUNT_FIELDS) {
    const value = attributes[ACCOUNT_FIELD_SOURCES[field]];
    if (value) fields[field] = value;
  }
  return fields;
}

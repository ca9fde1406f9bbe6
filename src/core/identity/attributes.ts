/**
 * The attribute catalogue: every attribute the MUR keeps on an identity record, the CDM object
 * it belongs to (GSA ILM playbook, Table 2), its type and limits, and whether it is releasable
 * (a change to a releasable attribute moves `last_updated`, which SP 800-217 federation needs).
 */
export const CDM_OBJECTS = ['USER', 'ROLE', 'STATUS', 'CRED', 'ACCOUNTS', 'PRIV', 'ENTITLEMENT', 'TRUST', 'BEHAVE'] as const;
export type CdmObject = (typeof CDM_OBJECTS)[number];

export type AttributeType = 'string' | 'email' | 'agency_code' | 'list' | 'date';

export interface AttributeDescriptor {
  readonly name: string;
  readonly object: CdmObject;
  readonly type: AttributeType;
  readonly maxLength: number;
  readonly releasable: boolean;
}

const attr = (name: string, object: CdmObject, type: AttributeType, maxLength: number, releasable: boolean): AttributeDescriptor => Object.freeze({ name, object, type, maxLength, releasable });

export const IDENTITY_ATTRIBUTES: readonly AttributeDescriptor[] = Object.freeze([
  attr('employee_id', 'USER', 'string', 64, false),
  attr('npe_id', 'USER', 'string', 64, false),
  attr('full_name', 'USER', 'string', 256, true),
  attr('given_name', 'USER', 'string', 128, true),
  attr('family_name', 'USER', 'string', 128, true),
  attr('email', 'USER', 'email', 254, true),
  attr('job_title', 'ROLE', 'string', 128, true),
  attr('department', 'ROLE', 'string', 128, true),
  attr('component', 'ROLE', 'string', 128, true),
  attr('location', 'ROLE', 'string', 128, true),
  attr('manager', 'ROLE', 'string', 64, false),
  attr('user_type', 'ROLE', 'string', 32, true),
  attr('home_agency', 'ROLE', 'agency_code', 4, true),
  attr('affiliations', 'ROLE', 'list', 512, true),
  attr('hire_date', 'ROLE', 'date', 10, false),
  attr('leave_type', 'STATUS', 'string', 64, false),
]);

const BY_NAME = new Map(IDENTITY_ATTRIBUTES.map((a) => [a.name, a]));

export function attributeDescriptor(name: string): AttributeDescriptor | undefined {
  return BY_NAME.get(name);
}

/** The CDM objects that live in their own tables rather than on the identity record. */
export const TABLE_OBJECTS: readonly CdmObject[] = ['CRED', 'ACCOUNTS', 'PRIV', 'ENTITLEMENT', 'TRUST', 'BEHAVE'];

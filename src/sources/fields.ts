import type { CdmObject } from '../core/identity/attributes.ts';
import { IDENTITY_KINDS } from '../core/identity/kinds.ts';
import type { SOURCE_KINDS } from '../config/schema.ts';

export type SourceKind = (typeof SOURCE_KINDS)[number];

export type FieldType = 'key' | 'string' | 'name' | 'email' | 'agency_code' | 'date' | 'enum' | 'list' | 'boolean';

/** One column of a source feed: how it is checked and which CDM object (for authority) it changes. */
export interface FieldDescriptor {
  readonly name: string;
  readonly type: FieldType;
  readonly required: boolean;
  readonly maxLength: number;
  readonly object: CdmObject | 'KEY';
  readonly values?: readonly string[];
}

/** A feed format: its columns, in order, and which of them make the record key. */
export interface SourceFormat {
  readonly kind: SourceKind;
  readonly keyFields: readonly string[];
  readonly fields: readonly FieldDescriptor[];
}

const f = (name: string, type: FieldType, object: FieldDescriptor['object'], required = false, maxLength = 128, values?: readonly string[]): FieldDescriptor =>
  Object.freeze(values ? { name, type, required, maxLength, object, values } : { name, type, required, maxLength, object });

export const HR_STATUSES = ['pending', 'active', 'leave', 'suspended', 'terminated'] as const;
export const NPE_STATUSES = ['active', 'suspended', 'terminated'] as const;

const HR: SourceFormat = {
  kind: 'hr',
  keyFields: ['employee_id'],
  fields: [
    f('employee_id', 'key', 'KEY', true, 64),
    f('given_name', 'name', 'USER', true),
    f('family_name', 'name', 'USER', true),
    f('full_name', 'name', 'USER', false, 256),
    f('email', 'email', 'USER', false, 254),
    f('job_title', 'string', 'ROLE'),
    f('department', 'string', 'ROLE'),
    f('component', 'string', 'ROLE'),
    f('location', 'string', 'ROLE'),
    f('manager', 'key', 'ROLE', false, 64),
    f('user_type', 'enum', 'ROLE', true, 32, ['government', 'contractor', 'other']),
    f('home_agency', 'agency_code', 'ROLE', true, 4),
    f('affiliations', 'list', 'ROLE', false, 512),
    f('status', 'enum', 'STATUS', true, 16, HR_STATUSES),
    f('leave_type', 'string', 'STATUS', false, 64),
    f('hire_date', 'date', 'ROLE', false, 10),
  ],
};

const NPE: SourceFormat = {
  kind: 'npe',
  keyFields: ['npe_id'],
  fields: [
    f('npe_id', 'key', 'KEY', true, 64),
    f(
      'kind',
      'enum',
      'ROLE',
      true,
      16,
      IDENTITY_KINDS.filter((k) => k !== 'person'),
    ),
    f('full_name', 'string', 'USER', true, 256),
    f('sponsor', 'key', 'ROLE', true, 64),
    f('expires', 'date', 'ROLE', true, 10),
    f('department', 'string', 'ROLE'),
    f('component', 'string', 'ROLE'),
    f('home_agency', 'agency_code', 'ROLE', true, 4),
    f('status', 'enum', 'STATUS', true, 16, NPE_STATUSES),
  ],
};

const VETTING: SourceFormat = {
  kind: 'vetting',
  keyFields: ['employee_id'],
  fields: [
    f('employee_id', 'key', 'KEY', true, 64),
    f('eligibility', 'enum', 'TRUST', true, 16, ['favorable', 'interim', 'pending', 'unfavorable', 'none']),
    f('status', 'enum', 'TRUST', true, 16, ['current', 'in_progress', 'expired', 'revoked']),
    f('investigation_type', 'string', 'TRUST', false, 32),
    f('adjudication_date', 'date', 'TRUST', false, 10),
    f('continuous_vetting', 'boolean', 'TRUST', false, 5),
  ],
};

const TRAINING: SourceFormat = {
  kind: 'training',
  keyFields: ['employee_id', 'course'],
  fields: [
    f('employee_id', 'key', 'KEY', true, 64),
    f('course', 'string', 'KEY', true, 128),
    f('status', 'enum', 'BEHAVE', true, 16, ['complete', 'incomplete', 'overdue', 'in_progress']),
    f('completed', 'date', 'BEHAVE', false, 10),
    f('expires', 'date', 'BEHAVE', false, 10),
  ],
};

export const SOURCE_FORMATS: Readonly<Record<SourceKind, SourceFormat>> = Object.freeze({ hr: HR, npe: NPE, vetting: VETTING, training: TRAINING });

/** The exact column order of each generated file (CSV header and JSON Lines key order). */
export const HR_COLUMNS = [
  'employee_id',
  'given_name',
  'family_name',
  'full_name',
  'email',
  'job_title',
  'department',
  'component',
  'location',
  'manager',
  'user_type',
  'home_agency',
  'affiliations',
  'status',
  'leave_type',
  'hire_date',
] as const;

export const NPE_COLUMNS = ['npe_id', 'kind', 'full_name', 'sponsor', 'expires', 'department', 'component', 'home_agency', 'status'] as const;

export const VETTING_COLUMNS = ['employee_id', 'eligibility', 'status', 'investigation_type', 'adjudication_date', 'continuous_vetting'] as const;

export const TRAINING_COLUMNS = ['employee_id', 'course', 'status', 'completed', 'expires'] as const;

export type FileKind = 'hr' | 'npe' | 'vetting' | 'training';

export const COLUMNS: Readonly<Record<FileKind, readonly string[]>> = {
  hr: HR_COLUMNS,
  npe: NPE_COLUMNS,
  vetting: VETTING_COLUMNS,
  training: TRAINING_COLUMNS,
};

export { ACCOUNT_FIELDS, ACCOUNT_FIELD_SOURCES, type AccountField, type AccountFields, accountFields } from './account-fields.ts';
export { type AccessSubject, subjectValues, trainingStatus } from './subject.ts';
export {
  BEHAVE_PREFIX,
  type BirthrightPolicy,
  type Clause,
  type ConditionPolicy,
  type HeldEntitlement,
  type SeparationPolicy,
  POLICY_KINDS,
  POLICY_NAME,
  type Policy,
  type PolicyDocument,
  type PolicyKind,
  SUBJECT_ATTRIBUTES,
  checkPolicy,
  policyDocumentSchema,
} from './policy.ts';
export { type AccountState, type DesiredAccess, type DesiredAccount, type DesiredEntitlement, type TargetRule, accountKeyOf, matches, planAccess } from './evaluate.ts';
export {
  type AccessChange,
  type AccountAction,
  type AccountChange,
  type CurrentAccess,
  type CurrentAccount,
  type CurrentEntitlement,
  type EntitlementChange,
  diffAccess,
  isEmptyChange,
} from './diff.ts';
export { type SeparationRule, type SodConflict, checkSeparationOfDuties, describeHeld, findConflicts, heldKey, separationRules } from './sod.ts';

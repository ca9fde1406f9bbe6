import { type Expression, type SqlBool, sql } from 'kysely';
import { MusterError } from '../core/errors.ts';
import { CREDENTIAL_FILTERS, type CredentialFilter, IS_PRIVILEGED, TRAINING_FILTERS, holdsActive, trainingLapsed } from './identity-facets.ts';
import type { IdentityFilter } from './identity-views.ts';

/** TRUST eligibility values the list filters on; `none` also matches an identity with no TRUST record. */
export const TRUST_FILTERS = ['favorable', 'interim', 'pending', 'unfavorable', 'none'] as const;

function refuse(field: string, value: string, allowed: readonly string[]): MusterError {
  return new MusterError('MUSTER_ERR_VALIDATION', `${field} must be one of ${allowed.join(', ')}`, [{ field, value, message: `must be one of ${allowed.join(', ')}` }]);
}

function trustCondition(value: string): Expression<SqlBool> {
  if (!(TRUST_FILTERS as readonly string[]).includes(value)) throw refuse('trust', value, TRUST_FILTERS);
  const held = sql<SqlBool>`exists (select 1 from trust t where t.identity_id = i.id and t.eligibility = ${value})`;
  return value === 'none' ? sql<SqlBool>`(${held} or not exists (select 1 from trust t where t.identity_id = i.id))` : held;
}

function credentialCondition(value: string): Expression<SqlBool> {
  if (!Object.hasOwn(CREDENTIAL_FILTERS, value)) throw refuse('credential', value, Object.keys(CREDENTIAL_FILTERS));
  const held = holdsActive(CREDENTIAL_FILTERS[value as CredentialFilter]);
  return value === 'none' ? sql<SqlBool>`not ${held}` : held;
}

function trainingCondition(value: string, today: string | undefined): Expression<SqlBool> {
  if (!(TRAINING_FILTERS as readonly string[]).includes(value)) throw refuse('training', value, TRAINING_FILTERS);
  if (today === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new MusterError('MUSTER_ERR_INTERNAL', 'the training filter needs today as YYYY-MM-DD', []);
  return value === 'lapsed' ? trainingLapsed(today) : sql<SqlBool>`not ${trainingLapsed(today)}`;
}

/** The list conditions of the TRUST, credential, training and privilege filters. */
export function facetConditions(filter: IdentityFilter): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.trust !== undefined) conditions.push(trustCondition(filter.trust));
  if (filter.credential !== undefined) conditions.push(credentialCondition(filter.credential));
  if (filter.training !== undefined) conditions.push(trainingCondition(filter.training, filter.today));
  if (filter.privileged === true) conditions.push(IS_PRIVILEGED);
  return conditions;
}

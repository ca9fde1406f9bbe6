import { sql } from 'kysely';

/**
 * SQL expressions over identity `i` that lists and reports share: its user type, whether it holds an active
 * phishing-resistant credential, whether it holds privilege, whether its training lapsed. The `credentials.type`
 * values are the credential service's (src/credentials/types.ts); only `active` ones count (a card is `issued`
 * until activated).
 */
export const PIV_CARD = 'piv_card';
export const DERIVED_PKI = 'derived_piv_pki';
export const DERIVED_FIDO2 = 'derived_piv_fido2';
export const PHISHING_RESISTANT = [PIV_CARD, DERIVED_PKI, DERIVED_FIDO2] as const;

/** The credential filter of `identity list --credential`: `none` means no active phishing-resistant credential. */
export const CREDENTIAL_FILTERS = { piv: [PIV_CARD], 'derived-pki': [DERIVED_PKI], fido2: [DERIVED_FIDO2], none: PHISHING_RESISTANT } as const;
export type CredentialFilter = keyof typeof CREDENTIAL_FILTERS;
export const TRAINING_FILTERS = ['lapsed', 'current'] as const;
export type TrainingFilter = (typeof TRAINING_FILTERS)[number];

/** The CDM user type of identity `i`: its `user_type` attribute, else non_person for an NPE and other for a person. */
export const USER_TYPE = sql<string>`coalesce(i.attributes->'user_type'->>'v', case when i.kind <> 'person' then 'non_person' else 'other' end)`;

/** True when identity `i` holds an active credential of one of `types`. */
export function holdsActive(types: readonly string[]) {
  return sql<boolean>`exists (select 1 from credentials c where c.identity_id = i.id and c.status = 'active' and c.type in (${sql.join(types)}))`;
}

/** Identity `i` holds privilege: an active privileged entitlement, an enabled privileged account, an active PRIV record or an operator role not revoked. */
export const IS_PRIVILEGED = sql<boolean>`(
  exists (select 1 from entitlements e where e.identity_id = i.id and e.privileged and e.status = 'active')
  or exists (select 1 from accounts a where a.identity_id = i.id and a.privileged and a.status = 'enabled')
  or exists (select 1 from privileges p where p.identity_id = i.id and p.status = 'active')
  or exists (select 1 from operator_roles r where r.identity_id = i.id and r.revoked_at is null))`;

/** Identity `i` has a training record lapsed on `today` (YYYY-MM-DD): status `overdue`, or expired before today. */
export function trainingLapsed(today: string) {
  return sql<boolean>`exists (select 1 from behave b where b.identity_id = i.id and (b.status = 'overdue' or b.expires < ${today}::date))`;
}

import { sql } from 'kysely';

/**
 * The `credentials.type` values the reports count (src/credentials/types.ts names them; governance/ reads the table,
 * it does not import the credential service). Only `active` credentials count: a card is `issued` until activated.
 */
export const PIV_CARD = 'piv_card';
export const DERIVED_PKI = 'derived_piv_pki';
export const DERIVED_FIDO2 = 'derived_piv_fido2';
export const PHISHING_RESISTANT = [PIV_CARD, DERIVED_PKI, DERIVED_FIDO2] as const;

/** The credential filter of `identity list --credential`. */
export const CREDENTIAL_FILTERS = { piv: PIV_CARD, 'derived-pki': DERIVED_PKI, fido2: DERIVED_FIDO2, none: null } as const;
export type CredentialFilter = keyof typeof CREDENTIAL_FILTERS;

/** The CDM user type of identity `i`: its `user_type` attribute, else non_person for an NPE and other for a person. */
export const USER_TYPE = sql<string>`coalesce(i.attributes->'user_type'->>'v', case when i.kind <> 'person' then 'non_person' else 'other' end)`;

/** True when identity `i` holds an active credential of one of `types`. */
export function holdsActive(types: readonly string[]) {
  return sql<boolean>`exists (select 1 from credentials c where c.identity_id = i.id and c.status = 'active' and c.type in (${sql.join(types)}))`;
}

import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';
import { DERIVED_FIDO2, DERIVED_PKI, PHISHING_RESISTANT, PIV_CARD, USER_TYPE, holdsActive } from './credential-kinds.ts';

export interface CoverageRow {
  readonly user_type: string;
  readonly active: number;
  readonly piv: number;
  readonly derived_pki: number;
  readonly fido2: number;
  /** active identities with no active phishing-resistant credential */
  readonly none: number;
  /** active identities with at least one: the OMB M-22-09 figure */
  readonly phishing_resistant: number;
  /** phishing_resistant / active, 0..1, four decimals */
  readonly share: number;
}

const count = (condition: ReturnType<typeof holdsActive>) => sql<number>`(count(*) filter (where ${condition}))::int`;

/** Active identities by CDM user type: how many hold a PIV card, a Derived PIV (PKI), a FIDO2 Derived PIV, none. One query. */
export async function phishingResistantCoverage({ db }: Queryable): Promise<CoverageRow[]> {
  const rows = await db
    .selectFrom('identities as i')
    .where('i.status', '=', 'active')
    .select([
      USER_TYPE.as('user_type'),
      sql<number>`count(*)::int`.as('active'),
      count(holdsActive([PIV_CARD])).as('piv'),
      count(holdsActive([DERIVED_PKI])).as('derived_pki'),
      count(holdsActive([DERIVED_FIDO2])).as('fido2'),
      count(holdsActive(PHISHING_RESISTANT)).as('phishing_resistant'),
    ])
    .groupBy(USER_TYPE)
    .orderBy('user_type')
    .execute();
  return rows.map((row) => ({
    ...row,
    none: row.active - row.phishing_resistant,
    share: row.active === 0 ? 0 : Math.round((row.phishing_resistant / row.active) * 10_000) / 10_000,
  }));
}

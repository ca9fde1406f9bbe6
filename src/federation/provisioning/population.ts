import type { AgreementDocument } from '../../core/federation/agreement.ts';
import type { IdentityState } from '../../core/identity/record.ts';

/** The identity's organizational affiliations, as the MUR keeps them (`;`-separated). */
export function affiliationsOf(identity: IdentityState): string[] {
  return (identity.attributes.affiliations?.v ?? '')
    .split(';')
    .map((a) => a.trim())
    .filter(Boolean);
}

/**
 * Whether a trust agreement's population covers the identity, whatever its status: a person of one of the
 * agreement's agencies and, when the agreement names affiliations, holding one of them (SP 800-217 §3.1).
 */
export function inPopulation(identity: IdentityState, document: AgreementDocument): boolean {
  const { agencyCodes, affiliations } = document.population;
  if (identity.kind !== 'person') return false;
  if (!agencyCodes.includes(identity.attributes.home_agency?.v ?? '')) return false;
  return affiliations.length === 0 || affiliationsOf(identity).some((a) => affiliations.includes(a));
}

/** SQL over `identities i`, true for the active members of a population ($agencies text[], $affiliations text[]). */
export function populationCondition(agencies: string, affiliations: string): string {
  return `i.kind = 'person' AND i.status = 'active' AND i.attributes -> 'home_agency' ->> 'v' = ANY(${agencies}::text[])
    AND (cardinality(${affiliations}::text[]) = 0 OR string_to_array(i.attributes -> 'affiliations' ->> 'v', ';') && ${affiliations}::text[])`;
}

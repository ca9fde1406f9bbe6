import type { AgreementDocument } from './agreement.ts';

/**
 * What in a trust agreement a second federation admin must confirm: where a relying party's sign-ins go
 * (`redirectUris`, `postLogoutRedirectUris`), the keys it proves itself with or receives encrypted tokens under
 * (`jwks`, `jwksUri`), and what is released (`attributes`). A new relying party counts: its URIs and keys are new.
 * Returns the changed paths (e.g. `relyingParties[rp-1].redirectUris`); empty when the change stays one-person.
 * A new agreement (no current one) is one-person: no relying party of it has signed anyone in yet.
 */
export function twoPersonAgreementChanges(current: AgreementDocument | undefined, next: AgreementDocument): string[] {
  if (!current) return [];
  const changed: string[] = [];
  const before = new Map(current.relyingParties.map((rp) => [rp.clientId, rp]));
  for (const rp of next.relyingParties) {
    const old = before.get(rp.clientId);
    if (!old) {
      changed.push(`relyingParties[${rp.clientId}]`);
      continue;
    }
    for (const key of TWO_PERSON_RP_FIELDS) if (!same(old[key], rp[key])) changed.push(`relyingParties[${rp.clientId}].${key}`);
  }
  if (!same(current.attributes, next.attributes)) changed.push('attributes');
  return changed;
}

/** The fields of a relying party whose change needs a second federation admin. */
export const TWO_PERSON_RP_FIELDS = ['redirectUris', 'postLogoutRedirectUris', 'jwks', 'jwksUri'] as const;

function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y))) : v)) ?? 'undefined';
}

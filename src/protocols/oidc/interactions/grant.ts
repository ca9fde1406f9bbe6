import type { AgreementDocument } from '../../../core/federation/agreement.ts';
import { PIV_CLAIMS } from '../../../core/federation/profile.ts';
import type { InteractionProvider, StoredInteraction } from './provider-shapes.ts';

/**
 * The OpenID Connect scope that carries each releasable attribute. `x509_certificate_id` has none: it describes the
 * sign-in, so it travels in the ID token (the `openid` scope) whenever the agreement lists it.
 */
export const ATTRIBUTE_SCOPES: Readonly<Record<string, string>> = Object.freeze({
  name: 'profile',
  given_name: 'profile',
  family_name: 'profile',
  email: 'email',
  phone_number: 'phone',
  address: 'address',
});

/** Claims every PIV federation assertion carries (SP 800-217 §6.1, §6.2), whatever the agreement lists. */
export const ASSERTION_CLAIMS: readonly string[] = ['sub', 'auth_time', 'acr', 'amr', 'sid', 'updated_at', 'cnf', ...Object.values(PIV_CLAIMS)];

export interface GrantDecision {
  readonly scopes: { readonly granted: string[]; readonly rejected: string[] };
  readonly claims: { readonly granted: string[]; readonly rejected: string[] };
}

function requestedClaims(claims: unknown): string[] {
  if (typeof claims !== 'string' || claims === '') return [];
  try {
    const parsed = JSON.parse(claims) as Record<string, Record<string, unknown> | null>;
    return [...new Set(['id_token', 'userinfo'].flatMap((where) => Object.keys(parsed[where] ?? {})))];
  } catch {
    return [];
  }
}

const split = <T>(items: readonly T[], keep: (item: T) => boolean) => ({ granted: items.filter(keep), rejected: items.filter((i) => !keep(i)) });

/** What a grant holds for a request: `openid` and the scopes and claims of the agreement's attributes; the rest rejected. */
export function decideGrant(document: AgreementDocument, scope: unknown, claims: unknown): GrantDecision {
  const names = new Set<string>(document.attributes.map((a) => a.name));
  const allowedScopes = new Set(['openid', ...[...names].map((n) => ATTRIBUTE_SCOPES[n]).filter((s): s is string => s !== undefined)]);
  const asked = typeof scope === 'string' ? [...new Set(scope.split(' ').filter(Boolean))] : ['openid'];
  return {
    scopes: split(asked, (s) => allowedScopes.has(s)),
    claims: split(requestedClaims(claims), (c) => names.has(c) || ASSERTION_CLAIMS.includes(c)),
  };
}

/** Creates (or extends) the oidc-provider Grant for the interaction; returns its id. */
export async function saveGrant(provider: InteractionProvider, interaction: StoredInteraction, accountId: string, clientId: string, document: AgreementDocument): Promise<string> {
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const decision = decideGrant(document, interaction.params.scope, interaction.params.claims);
  if (decision.scopes.granted.length > 0) grant.addOIDCScope(decision.scopes.granted.join(' '));
  if (decision.scopes.rejected.length > 0) grant.rejectOIDCScope(decision.scopes.rejected.join(' '));
  if (decision.claims.granted.length > 0) grant.addOIDCClaims(decision.claims.granted);
  if (decision.claims.rejected.length > 0) grant.rejectOIDCClaims(decision.claims.rejected);
  return grant.save();
}

import { auditGroupCommit } from '../../../../audit/group-commit.ts';
import { acrOf } from '../assurance.ts';
import { jsonAnswer, redirectAnswer } from '../pages.ts';
import type { InteractionProvider, LoginResult, StoredInteraction } from '../provider-shapes.ts';
import { correlationOf, type InteractionParty, OIDC_ACTOR, type SignInDeps } from '../sign-in.ts';
import type { VerifiedLogin } from '../steps.ts';
import { grantRelease, settledConsent } from './consent-grant.ts';
import { loaded, type SignInStep } from './context.ts';
import { settleInteraction } from './settle-interaction.ts';
import { holdingWrites } from '../../held-writes.ts';
import { heldAlongside } from '../../payload-repository.ts';

/** The request a sign-in finishes on: the provider whose grant it makes. */
export interface FinishingRequest {
  readonly provider: InteractionProvider;
}

/**
 * Finishes the interaction with a verified sign-in: saved as the interaction's login result (on the interaction the
 * request loaded and checked), which carries the sign-in for the OP session to record when the authorization request
 * resumes (session-sign-in.ts). When the release needs no question (allowlisted, or consented before) the grant is made
 * here too. The interaction and the grant are written in the same statement as the audit entries (a sign-in the log
 * does not show never counts), so the request resumes straight to the relying party. Returns where the browser goes next.
 */
export async function finishWith(
  deps: SignInDeps,
  on: FinishingRequest,
  interaction: StoredInteraction,
  party: InteractionParty,
  login: VerifiedLogin,
  detail: Record<string, unknown>,
): Promise<string> {
  const basis = await settledConsent(deps.store, party, login.identityId);
  const data = { ...detail, interaction: interaction.uid, client_id: party.clientId, credential_id: login.credentialId, credential_type: login.credentialType, aal: login.aal, amr: login.amr };
  const signIn = { actor: OIDC_ACTOR, action: 'oidc.sign-in', target: login.identityId, reason: `${login.credentialType} sign-in at ${login.aal} for ${party.clientId}`, data };
  const piv = { credentialId: login.credentialId, credentialType: login.credentialType, aal: login.aal, certThumbprint: login.certThumbprint };
  const { value, held } = await holdingWrites(async () => {
    const release = basis ? await grantRelease(on.provider, interaction, party, login.identityId, basis) : undefined;
    const result: LoginResult = {
      login: { accountId: login.identityId, acr: acrOf(login.aal), amr: [...login.amr], ts: Math.floor(login.authTime.getTime() / 1000), remember: true, piv },
      ...(release ? { consent: { grantId: release.grantId } } : {}),
    };
    return { release, location: await settleInteraction(interaction, result, false) };
  });
  const { release, location } = value;
  await auditGroupCommit(deps.store, deps.audit).append(release ? [signIn, release.entry] : [signIn], correlationOf(interaction.uid), heldAlongside(held));
  return location;
}

/** The last step of a sign-in: finishes it, answering with the redirect (certificate) or with JSON naming it (WebAuthn). */
export function finishSignIn(answer: 'redirect' | 'json'): SignInStep {
  return async (c) => {
    const location = await finishWith(c.x.deps, c.x, loaded(c.interaction, 'interaction'), loaded(c.party, 'relying party'), loaded(c.login, 'sign-in'), c.detail ?? {});
    c.answer = answer === 'json' ? jsonAnswer(200, { location }) : redirectAnswer(location);
  };
}

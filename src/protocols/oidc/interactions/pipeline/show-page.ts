import { consentRecorded } from '../consent-record.ts';
import { pageOf } from '../exchange.ts';
import { pageAnswer, redirectAnswer } from '../pages.ts';
import type { StoredInteraction } from '../provider-shapes.ts';
import { grantAndFinish, settledConsent } from './consent-grant.ts';
import { loaded, type SignInContext, type SignInStep } from './context.ts';
import { requireAccount } from './require-account.ts';

function notice(interaction: StoredInteraction): string | undefined {
  const reasons = interaction.prompt.reasons;
  if (reasons.includes('muster_aal')) return 'This service needs a stronger sign-in than your current one.';
  if (reasons.includes('muster_reauthentication') || reasons.includes('muster_max_age')) return 'Your earlier sign-in has expired; please sign in again.';
  return undefined;
}

/** At the consent prompt: the question, or (allowlisted, consented before) the grant at once. */
async function consent(c: SignInContext): Promise<void> {
  const [interaction, party] = [loaded(c.interaction, 'interaction'), loaded(c.party, 'relying party')];
  const accountId = requireAccount(interaction);
  const basis = await settledConsent(c.x.deps.store, party, accountId);
  if (basis) {
    c.answer = redirectAnswer(await grantAndFinish(c.x, interaction, party, accountId, basis));
    return;
  }
  const changed = interaction.prompt.reasons.includes('muster_consent') && (await consentRecorded(c.x.deps.store, accountId, party.clientId));
  c.answer = pageAnswer(200, { name: 'consent', rp: party.view, action: `${pageOf(c.x)}/consent`, changed });
}

/** GET <path>/:uid — the sign-in choices, or the consent question. */
export const showPage: SignInStep = async (c) => {
  const interaction = loaded(c.interaction, 'interaction');
  if (interaction.prompt.name === 'consent') return consent(c);
  const here = pageOf(c.x);
  const shown = notice(interaction);
  c.answer = pageAnswer(200, {
    name: 'login',
    rp: loaded(c.party, 'relying party').view,
    pivUrl: `${c.x.mtlsOrigin}${here}/piv`,
    webauthnOptionsUrl: `${here}/webauthn/options`,
    webauthnUrl: `${here}/webauthn`,
    abortUrl: `${here}/abort`,
    ...(shown ? { notice: shown } : {}),
  });
};

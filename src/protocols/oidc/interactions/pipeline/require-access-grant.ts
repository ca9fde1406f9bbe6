import { holdsRelyingPartyGrant } from '../../../../governance/requests/index.ts';
import { SignInRefused } from '../refusal.ts';
import { loaded, type SignInStep } from './context.ts';
import { requireAccount } from './require-account.ts';

/**
 * An agreement whose access is `requested` lets in only those holding a granted request for its catalogue item of
 * kind `rp`: one indexed read, and none for any other agreement. Refused `access_denied` (no-access-grant), audited a
 * few a minute per person and relying party.
 */
export const requireAccessGrant: SignInStep = async (c) => {
  const party = loaded(c.party, 'relying party');
  const { agreement } = party.agreement;
  if (agreement.document.access !== 'requested') return;
  const interaction = loaded(c.interaction, 'interaction');
  // at the login prompt nobody is signed in yet: the sign-in itself is checked once verified
  if (!c.login && interaction.prompt.name !== 'consent') return;
  const identityId = c.login?.identityId ?? requireAccount(interaction);
  if (await holdsRelyingPartyGrant(c.x.deps.store, identityId, agreement.id, c.x.deps.clock.now())) return;
  throw new SignInRefused(
    'no-access-grant',
    `access to ${party.view.name} is given on request: ask for it in muster (muster access request) and sign in once it is granted`,
    { identityId, ...(c.login ? { credentialId: c.login.credentialId } : {}) },
    `${identityId} ${party.clientId}`,
  );
};

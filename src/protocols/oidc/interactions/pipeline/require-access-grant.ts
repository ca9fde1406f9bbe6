import { rpAccessRevocation } from '../../../../governance/index.ts';
import { holdsRelyingPartyGrant } from '../../../../governance/requests/index.ts';
import { SignInRefused } from '../refusal.ts';
import { loaded, type SignInStep } from './context.ts';
import { requireAccount } from './require-account.ts';

/**
 * Access to the relying party, checked once the person is known (the sign-in verified, or the consent prompt of a
 * session that signed in elsewhere). A certification campaign that revoked the person's access to this RP refuses
 * it (`access-revoked`) until the revocation is lifted: one read of a unique index, saved when the certificate's own
 * query found the person holds no revocation of access to any relying party. An agreement whose access is
 * `requested` then lets in only those holding a granted request for its catalogue item of kind `rp`: one indexed
 * read, and none for any other agreement. Refused `access_denied`, audited a few a minute per person and relying party.
 */
export const requireAccessGrant: SignInStep = async (c) => {
  const party = loaded(c.party, 'relying party');
  const { agreement } = party.agreement;
  const interaction = loaded(c.interaction, 'interaction');
  // at the login prompt nobody is signed in yet: the sign-in itself is checked once verified
  if (!c.login && interaction.prompt.name !== 'consent') return;
  const identityId = c.login?.identityId ?? requireAccount(interaction);
  const subject = { identityId, ...(c.login ? { credentialId: c.login.credentialId } : {}) };
  // a certificate sign-in read already whether any access of the person is revoked: most have none, and no read is made
  const revoked = c.rpRevoked === false ? undefined : await rpAccessRevocation(c.x.deps.store, identityId, agreement.id, party.clientId);
  if (revoked !== undefined) throw new SignInRefused('access-revoked', `your access to ${party.view.name} was revoked in an access review`, subject, `${identityId} ${party.clientId}`);
  if (agreement.document.access !== 'requested') return;
  if (await holdsRelyingPartyGrant(c.x.deps.store, identityId, agreement.id, c.x.deps.clock.now())) return;
  throw new SignInRefused(
    'no-access-grant',
    `access to ${party.view.name} is given on request: ask for it in muster (muster access request) and sign in once it is granted`,
    subject,
    `${identityId} ${party.clientId}`,
  );
};

import { redirectAnswer } from '../pages.ts';
import { SignInRefused } from '../refusal.ts';
import { readForm } from '../respond.ts';
import { correlationOf, OIDC_ACTOR } from '../sign-in.ts';
import { grantAndFinish } from './consent-grant.ts';
import { loaded, type SignInStep } from './context.ts';
import { requireAccount } from './require-account.ts';

/** POST <path>/:uid/consent — allow (remembered, grant made) or decline (access_denied to the RP). */
export const submitConsent: SignInStep = async (c) => {
  const { x } = c;
  const [interaction, party] = [loaded(c.interaction, 'interaction'), loaded(c.party, 'relying party')];
  const accountId = requireAccount(interaction);
  const decision = (await readForm(x)).get('decision');
  if (decision === 'accept') {
    c.answer = redirectAnswer(await grantAndFinish(x, interaction, party, accountId, 'given'));
    return;
  }
  if (decision !== 'decline') throw new SignInRefused('bad-request', 'choose Allow or Do not allow');
  await x.deps.store.transaction((tx) =>
    x.deps.audit.append(
      tx,
      [{ actor: OIDC_ACTOR, action: 'oidc.consent.declined', target: accountId, reason: `release to ${party.clientId} declined`, data: { client_id: party.clientId } }],
      correlationOf(x.uid),
    ),
  );
  const location = await x.provider.interactionResult(
    x.req,
    x.res,
    { error: 'access_denied', error_description: 'the subscriber did not allow the release of the attributes' },
    { mergeWithLastSubmission: false },
  );
  c.answer = redirectAnswer(location);
};

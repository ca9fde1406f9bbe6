import { auditGroupCommit } from '../../../../audit/group-commit.ts';
import type { AuditDraft } from '../../../../audit/chain.ts';
import { consentNeeded, rememberConsent } from '../consent-record.ts';
import type { Exchange } from '../exchange.ts';
import { saveGrant } from '../grant.ts';
import type { InteractionProvider, StoredInteraction } from '../provider-shapes.ts';
import type { Queryable } from '../../../../store/store.ts';
import { settleInteraction } from './settle-interaction.ts';
import { correlationOf, type InteractionParty, OIDC_ACTOR } from '../sign-in.ts';

/** Why the attributes may be released: the agreement allowlists them, the subscriber consented before, or just now. */
export type ConsentBasis = 'allowlisted' | 'remembered' | 'given';

/** The basis on which the release is already settled without asking, or undefined when the subscriber must be asked. */
export async function settledConsent(db: Queryable, party: InteractionParty, accountId: string): Promise<Exclude<ConsentBasis, 'given'> | undefined> {
  const document = party.agreement.agreement.document;
  if (document.consent === 'allowlisted') return 'allowlisted';
  return (await consentNeeded(db, accountId, party.clientId, document)) ? undefined : 'remembered';
}

/** The grant of the agreement's attributes for the interaction, and the audit entry that records its basis. */
export async function grantRelease(
  provider: InteractionProvider,
  interaction: StoredInteraction,
  party: InteractionParty,
  accountId: string,
  basis: ConsentBasis,
): Promise<{ grantId: string; entry: AuditDraft }> {
  const agreement = party.agreement.agreement;
  const grantId = await saveGrant(provider, interaction, accountId, party.clientId, agreement.document);
  const data = { client_id: party.clientId, agreement: agreement.id, version: agreement.version, basis, attributes: party.view.attributes.map((a) => a.name), grant_id: grantId };
  return { grantId, entry: { actor: OIDC_ACTOR, action: 'oidc.consent', target: accountId, reason: `release to ${party.clientId} (${basis})`, data } };
}

/** Grants the release at the consent prompt and finishes it: given consent is remembered in the same transaction as its audit entry. */
export async function grantAndFinish(x: Exchange, interaction: StoredInteraction, party: InteractionParty, accountId: string, basis: ConsentBasis): Promise<string> {
  const { store, clock, audit } = x.deps;
  const { grantId, entry } = await grantRelease(x.provider, interaction, party, accountId, basis);
  if (basis === 'given') {
    await store.transaction(async (tx) => {
      await rememberConsent(tx, accountId, party.clientId, party.agreement.agreement.document, clock.now());
      await audit.append(tx, [entry], correlationOf(x.uid));
    });
  } else {
    await auditGroupCommit(store, audit).append([entry], correlationOf(x.uid));
  }
  return settleInteraction(interaction, { consent: { grantId } }, true);
}

import { auditGroupCommit } from '../../../audit/group-commit.ts';
import { RefusalBudget } from '../../../audit/refusal-budget.ts';
import type { AuditWriter } from '../../../audit/writer.ts';
import type { Clock } from '../../../core/clock.ts';
import { agreementOfClient, type ClientAgreement } from '../../../federation/agreements.ts';
import type { Store } from '../../../store/store.ts';
import { meetsAal, requiredAal } from './assurance.ts';
import { attributesOf } from './consent-record.ts';
import type { RelyingPartyView } from './pages.ts';
import type { StoredInteraction } from './provider-shapes.ts';
import { SignInRefused } from './refusal.ts';
import type { VerifiedLogin } from './steps.ts';

/** The audit actor of sign-in decisions. */
export const OIDC_ACTOR = 'muster:oidc';

export interface SignInDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
}

/** Refusals a person may repeat at will, audited at most this many a minute per person and relying party. */
const REPEATABLE_REFUSALS_PER_MINUTE = 5;
const budgets = new WeakMap<AuditWriter, RefusalBudget>();

function budgetOf(deps: SignInDeps): RefusalBudget {
  let budget = budgets.get(deps.audit);
  if (!budget) budgets.set(deps.audit, (budget = new RefusalBudget(REPEATABLE_REFUSALS_PER_MINUTE, deps.clock)));
  return budget;
}

export type SignInMethod = 'certificate' | 'webauthn' | 'consent';

/** The relying party of an interaction, through its active trust agreement. */
export interface InteractionParty {
  readonly clientId: string;
  readonly agreement: ClientAgreement;
  readonly view: RelyingPartyView;
}

export const correlationOf = (uid: string): string => `oidc-interaction-${uid}`;

export async function partyOf(store: Store, interaction: StoredInteraction): Promise<InteractionParty> {
  const clientId = String(interaction.params.client_id ?? '');
  const agreement = await agreementOfClient(store, clientId);
  if (!agreement) throw new SignInRefused('no-agreement', 'this service has no active trust agreement with muster, so no one can sign in to it');
  const document = agreement.agreement.document;
  const view = {
    name: agreement.rp?.name ?? document.name,
    agreementName: document.name,
    attributes: attributesOf(document),
    requiredAal: requiredAal(document, interaction.params.acr_values),
  };
  return { clientId, agreement, view };
}

/** The credential must reach the AAL the relying party needs; a lower one is refused rather than looped on. */
export function requireAal(login: Pick<VerifiedLogin, 'aal' | 'identityId' | 'credentialId'>, party: InteractionParty): void {
  if (meetsAal(login.aal, party.view.requiredAal)) return;
  throw new SignInRefused('aal-too-low', `this service requires ${party.view.requiredAal.toUpperCase()}; this credential reaches ${login.aal.toUpperCase()}. Use your PIV card.`, {
    identityId: login.identityId,
    credentialId: login.credentialId,
  });
}

/** Audits a refusal: its reason, the method, the relying party and the certificate's serial and issuer (nothing about the person). */
export async function auditRefusal(deps: SignInDeps, refusal: SignInRefused, uid: string, clientId: string | undefined, method: SignInMethod): Promise<void> {
  const { serial, issuer, identityId, credentialId } = refusal.subject;
  const data = { reason: refusal.reason, method, interaction: uid, client_id: clientId ?? null, serial: serial ?? null, issuer: issuer ?? null, credential_id: credentialId ?? null };
  const entry = { actor: OIDC_ACTOR, action: 'oidc.sign-in.refused', target: identityId ?? `interaction:${uid}`, reason: refusal.message, data };
  const admitted = refusal.auditKey === undefined ? entry : budgetOf(deps).admit(refusal.auditKey, entry);
  if (admitted === null) return;
  await auditGroupCommit(deps.store, deps.audit).append([admitted], correlationOf(uid));
}

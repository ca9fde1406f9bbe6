import { html } from 'hono/html';
import { TERMINATION_REASONS } from '../../core/credential/status.ts';
import type { CredentialDetail } from '../../credentials/queries.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Html } from '../layout/html.ts';

/** The buttons of one credential, each shown only to the roles of its API route and only in a state it applies to. */

export const CARD_ROLES = {
  activate: ['issuer'],
  suspend: ['issuer', 'helpdesk', 'security-officer'],
  reinstate: ['issuer', 'security-officer'],
  terminate: ['issuer', 'security-officer'],
  terminateDerived: ['issuer', 'helpdesk', 'security-officer'],
} as const;

export type CardOperation = keyof typeof CARD_ROLES;
export type CardPermissions = Readonly<Record<CardOperation, boolean>>;

export const DERIVED_REASONS = ['lost', 'stolen', 'compromised', 'withdrawn'] as const;

const LABELS: Readonly<Record<CardOperation, string>> = {
  activate: 'Activate',
  suspend: 'Suspend',
  reinstate: 'Reinstate',
  terminate: 'Revoke',
  terminateDerived: 'Revoke',
};

export const operationPath = (identityId: string, credentialId: string, operation: CardOperation) =>
  `${CONSOLE_PATH}/cards/${identityId}/credentials/${credentialId}/${operation === 'terminateDerived' ? 'terminate-derived' : operation}`;

function reasonField(id: string, operation: CardOperation): Html {
  if (operation === 'terminate' || operation === 'terminateDerived') {
    const reasons = operation === 'terminate' ? Object.keys(TERMINATION_REASONS) : DERIVED_REASONS;
    return html`<label class="usa-label" for="${id}">Why</label><select class="usa-select" id="${id}" name="reason">${reasons.map((r) => html`<option value="${r}">${r}</option>`)}</select>`;
  }
  return html`<label class="usa-label" for="${id}">Reason</label><input class="usa-input" id="${id}" name="reason" required minlength="3" maxlength="500">`;
}

function button(identityId: string, k: CredentialDetail, operation: CardOperation): Html {
  const id = `${operation}-reason-${k.id}`;
  return html`<form method="post" action="${operationPath(identityId, k.id, operation)}" class="usa-form card-operation">
${reasonField(id, operation)}
<button class="usa-button usa-button--secondary margin-top-1" type="submit" id="${operation}-${k.id}">${LABELS[operation]}</button>
</form>`;
}

/** Which operations apply to a credential in its state: a card is activated once issued, suspended while active. */
function applicable(k: CredentialDetail): CardOperation[] {
  if (k.type !== 'piv_card') return k.status === 'active' ? ['terminateDerived'] : [];
  if (k.status === 'issued') return ['activate', 'suspend', 'terminate'];
  if (k.status === 'active') return ['suspend', 'terminate'];
  if (k.status === 'suspended') return ['reinstate', 'terminate'];
  return [];
}

export function cardButtons(identityId: string, k: CredentialDetail, may: CardPermissions): Html | string {
  const shown = applicable(k).filter((operation) => may[operation]);
  return shown.length === 0 ? '' : html`${shown.map((operation) => button(identityId, k, operation))}`;
}

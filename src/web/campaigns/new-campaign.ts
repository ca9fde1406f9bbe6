import { html } from 'hono/html';
import type { Html } from '../layout/html.ts';
import { type View, view } from '../view.ts';

/**
 * The form that opens a certification campaign, with the fields of `POST /api/campaigns`: its scope (privileged
 * access, a target's accounts, a trust agreement's relying parties, or derived credentials), who reviews (managers or owners), the due day and what
 * becomes of an item nobody answers by then.
 */

const DAY_MS = 86_400_000;

function radios(name: string, legend: string, choices: readonly (readonly [string, string])[]): Html {
  const items = choices.map(
    ([value, text], i) =>
      html`<div class="usa-radio"><input class="usa-radio__input" id="${name}-${value}" type="radio" name="${name}" value="${value}"${i === 0 ? html` checked` : ''}><label class="usa-radio__label" for="${name}-${value}">${text}</label></div>`,
  );
  return html`<fieldset class="usa-fieldset margin-top-2"><legend class="usa-legend">${legend}</legend>${items}</fieldset>`;
}

/** A trust agreement a campaign may review: its id and name. */
export interface AgreementChoice {
  readonly id: string;
  readonly name: string;
}

export function newCampaignPage(action: string, targets: readonly string[], agreements: readonly AgreementChoice[], today: Date): View {
  const due = new Date(today.getTime() + 14 * DAY_MS).toISOString().slice(0, 10);
  const scopes = [
    html`<option value="privileged">Privileged access</option>`,
    ...targets.map((t) => html`<option value="target:${t}">Accounts and groups in ${t}</option>`),
    ...agreements.map((a) => html`<option value="agreement:${a.id}">Relying parties of ${a.name} (what each received)</option>`),
    html`<option value="derived-credentials">Derived PIV credentials</option>`,
  ];
  return view(
    'New certification campaign',
    html`<form class="usa-form usa-form--large" method="post" action="${action}" id="campaign-form">
<label class="usa-label" for="campaign-name">Name</label>
<div class="usa-hint" id="campaign-name-hint">Optional; the scope and today's date when left empty.</div>
<input class="usa-input" id="campaign-name" name="name" maxlength="200" aria-describedby="campaign-name-hint">
<label class="usa-label" for="campaign-scope">Scope</label>
<select class="usa-select" id="campaign-scope" name="scope" required>${scopes}</select>
${radios('reviewers', 'Reviewers', [
  ['manager', "Each person's manager"],
  ['owner', 'The owners of the access'],
])}
<label class="usa-label" for="campaign-due">Due</label>
<div class="usa-hint" id="campaign-due-hint">Reviews close at the end of this day (UTC).</div>
<input class="usa-input" type="date" id="campaign-due" name="due" value="${due}" aria-describedby="campaign-due-hint" required>
${radios('unanswered', 'Items nobody answers by then', [
  ['revoke', 'are revoked'],
  ['escalate', 'are escalated'],
])}
<label class="usa-label" for="campaign-reason">Reason</label>
<textarea class="usa-textarea" id="campaign-reason" name="reason" required maxlength="1000"></textarea>
<button class="usa-button" type="submit" id="open-campaign">Open the campaign</button>
</form>`,
  );
}

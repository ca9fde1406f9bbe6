import { html } from 'hono/html';
import type { AccessRequest, CatalogueItem, PersonName } from '../../governance/index.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Html } from '../layout/html.ts';
import { dataTable, reasonForm } from '../layout/table.ts';
import { when } from '../operator/deps.ts';
import { type View, view } from '../view.ts';

/** The access pages: the catalogue with the request form and one's own requests; the approver's inbox. */

export const ACCESS_PATH = `${CONSOLE_PATH}/access`;
export const APPROVALS_PATH = `${ACCESS_PATH}/approvals`;

const DAY_MS = 86_400_000;

/** The people the page names, by identity id. */
export type Names = ReadonlyMap<string, PersonName>;

/** A person as a reader knows them: their name and employee id (the identity id when the MUR has no name). */
export function personLabel(names: Names, id: string): string {
  const person = names.get(id);
  if (!person) return id;
  return person.employeeId ? `${person.name} (${person.employeeId})` : person.name;
}

/** Whom the request is for: oneself, or one of one's direct reports (none: the field is left out). */
function beneficiaryField(reports: readonly PersonName[]): Html {
  if (reports.length === 0) return html``;
  const options = reports.map((r) => html`<option value="${r.id}">${r.employeeId ? `${r.name} (${r.employeeId})` : r.name}</option>`);
  return html`<label class="usa-label" for="beneficiary">For</label>
<div class="usa-hint" id="beneficiary-hint">Yourself, or one of the people who have you as manager.</div>
<select class="usa-select" id="beneficiary" name="beneficiary" aria-describedby="beneficiary-hint"><option value="">Yourself</option>${options}</select>`;
}

function catalogueTable(items: readonly CatalogueItem[]): Html {
  return dataTable({
    id: 'catalogue',
    caption: 'What you may request',
    columns: [
      { label: 'Item', cell: (i: CatalogueItem) => i.name },
      { label: 'What it gives', cell: (i) => i.document.description },
      { label: 'Privileged', cell: (i) => (i.document.privileged ? (i.document.activation === 'jit' ? 'yes, activated just in time' : 'yes') : 'no') },
      { label: 'Approvals', cell: (i) => i.document.approvals.join(', ') },
      { label: 'At most', cell: (i) => `${i.document.maxDays} days` },
    ],
    rows: items,
    empty: 'The catalogue offers nothing.',
  });
}

function requestForm(items: readonly CatalogueItem[], reports: readonly PersonName[], today: Date): Html {
  if (items.length === 0) return html``;
  const options = items.map((i) => html`<option value="${i.name}">${i.name}</option>`);
  const soon = new Date(today.getTime() + 7 * DAY_MS).toISOString().slice(0, 10);
  return html`<form class="usa-form usa-form--large" method="post" action="${ACCESS_PATH}/requests" id="request-form">
<fieldset class="usa-fieldset"><legend class="usa-legend usa-legend--large">Request access</legend>
<label class="usa-label" for="item">Item</label>
<select class="usa-select" id="item" name="item" required>${options}</select>
${beneficiaryField(reports)}
<label class="usa-label" for="justification">Justification</label>
<textarea class="usa-textarea" id="justification" name="justification" required maxlength="2000"></textarea>
<label class="usa-label" for="ends">End date</label>
<div class="usa-hint" id="ends-hint">The access ends at the end of this day (UTC), within the item's maximum.</div>
<input class="usa-input" type="date" id="ends" name="ends" value="${soon}" aria-describedby="ends-hint" required>
<button class="usa-button" type="submit" id="request">Request</button>
</fieldset>
</form>`;
}

/** The activation button of a granted just-in-time request of one's own: posts to the activation route. */
function activateButton(r: AccessRequest, identityId: string, now: Date): Html | string {
  const active = r.activeUntil !== null && new Date(r.activeUntil) > now;
  if (active) return `active until ${when(r.activeUntil)}`;
  if (!(r.status === 'granted' && r.jit && r.privileged && r.beneficiaryId === identityId)) return '';
  return html`<form method="post" action="${ACCESS_PATH}/activate"><input type="hidden" name="request" value="${r.id}"><button class="usa-button usa-button--secondary activate" type="submit" aria-label="Activate ${r.item}">Activate</button></form>`;
}

function myRequestsTable(requests: readonly AccessRequest[], identityId: string, names: Names, now: Date): Html {
  return dataTable({
    id: 'my-requests',
    caption: 'Your requests, and those made for you, newest first',
    columns: [
      { label: 'Item', cell: (r: AccessRequest) => r.item },
      { label: 'For', cell: (r) => (r.beneficiaryId === identityId ? 'you' : personLabel(names, r.beneficiaryId)) },
      { label: 'State', cell: (r) => html`<span class="request-state" data-id="${r.id}">${r.status}</span>${r.waitingOn ? ` (waiting on ${r.waitingOn})` : ''}` },
      { label: 'Ends', cell: (r) => when(r.endsAt) },
      { label: 'Requested', cell: (r) => when(r.createdAt) },
      { label: 'Just in time', cell: (r) => activateButton(r, identityId, now) },
    ],
    rows: requests,
    empty: 'You have made no requests.',
  });
}

/** What the access page shows one person: the catalogue, their direct reports, their requests and the people these name. */
export interface AccessPageData {
  readonly items: readonly CatalogueItem[];
  readonly reports: readonly PersonName[];
  readonly mine: readonly AccessRequest[];
  readonly names: Names;
  readonly identityId: string;
}

export function accessPage({ items, reports, mine, names, identityId }: AccessPageData, now: Date): View {
  const offered = items.filter((i) => i.enabled);
  return view(
    'Access requests',
    html`${catalogueTable(offered)}
${requestForm(offered, reports, now)}
<section aria-labelledby="mine-heading" class="margin-top-4"><h2 id="mine-heading">Your requests</h2>${myRequestsTable(mine, identityId, names, now)}</section>
<p><a class="usa-link" href="${APPROVALS_PATH}">Requests waiting on your approval</a></p>`,
  );
}

function decisionForm(r: AccessRequest, names: Names): Html {
  return reasonForm({
    action: `${ACCESS_PATH}/requests/${r.id}/decision`,
    className: 'decision',
    field: { id: `reason-${r.id}`, label: `Reason for ${r.item} for ${personLabel(names, r.beneficiaryId)}` },
    buttons: [
      { text: 'Approve', id: `approve-${r.id}`, name: 'decision', value: 'approve' },
      { text: 'Deny', id: `deny-${r.id}`, name: 'decision', value: 'deny', secondary: true },
    ],
  });
}

export function approvalsPage(inbox: readonly AccessRequest[], names: Names): View {
  return view(
    'Approvals',
    dataTable({
      id: 'inbox',
      caption: 'Requests waiting on your decision, oldest first',
      columns: [
        { label: 'Item', cell: (r: AccessRequest) => r.item },
        { label: 'For', cell: (r) => personLabel(names, r.beneficiaryId) },
        { label: 'Requested by', cell: (r) => personLabel(names, r.requesterId) },
        { label: 'Justification', cell: (r) => r.justification },
        { label: 'Ends', cell: (r) => when(r.endsAt) },
        { label: 'Step', cell: (r) => r.waitingOn },
        { label: 'Decision', cell: (r) => decisionForm(r, names) },
      ],
      rows: inbox,
      empty: 'Nothing waits on you.',
    }),
  );
}

import { html } from 'hono/html';
import type { IdentityView } from '../../mur/identity-views.ts';
import type { Dispute } from '../../sources/disputes.ts';
import { type View, view } from '../view.ts';

/** The disputes pages: the open cases, and one case with the source's record beside each candidate identity. */

export const DISPUTES_PATH = '/console/disputes';

export function disputesPage(disputes: readonly Dispute[]): View {
  const rows = disputes.map(
    (d) =>
      html`<tr class="dispute" data-id="${d.id}"><td><a class="usa-link" href="${DISPUTES_PATH}/${d.id}">${d.source}: ${d.sourceKey}</a></td><td>${d.candidates.length}</td><td>${d.status}</td><td>${d.createdAt.toISOString()}</td></tr>\n`,
  );
  return view(
    'Disputes',
    html`<table class="usa-table" id="disputes"><caption>Records that matched several identities, or one below the confidence threshold</caption>
<thead><tr><th scope="col">Record</th><th scope="col">Candidates</th><th scope="col">Status</th><th scope="col">Opened</th></tr></thead>
<tbody>${rows}</tbody></table>`,
  );
}

export interface CandidateView {
  readonly identityId: string;
  readonly rule: string;
  readonly confidence: number;
  readonly identity: IdentityView | undefined;
}

function attributeOf(identity: IdentityView | undefined, name: string): string {
  const found = identity?.attributes.find((a) => a.name === name);
  return found === undefined || found.value === null ? '—' : String(found.value);
}

export function disputePage(dispute: Dispute, candidates: readonly CandidateView[], canResolve: boolean): View {
  const names = Object.keys(dispute.record.values);
  const heads = candidates.map((c, i) => html`<th scope="col">Candidate ${i + 1}<br><code>${c.identityId}</code><br>${c.rule}, ${Math.round(c.confidence * 100)}%</th>`);
  const rows = names.map((name) => html`<tr><th scope="row">${name}</th><td>${dispute.record.values[name]}</td>${candidates.map((c) => html`<td>${attributeOf(c.identity, name)}</td>`)}</tr>`);
  const choices = candidates.map(
    (c, i) =>
      html`<div class="usa-radio"><input class="usa-radio__input" type="radio" id="choice-${i}" name="choice" value="${c.identityId}"><label class="usa-radio__label" for="choice-${i}">Candidate ${i + 1} (${c.identityId})</label></div>`,
  );
  const form =
    dispute.status === 'open' && canResolve
      ? html`<form class="usa-form" method="post" action="${DISPUTES_PATH}/${dispute.id}/resolve">
<fieldset class="usa-fieldset"><legend class="usa-legend">Resolve: link the record to</legend>
${choices}
<div class="usa-radio"><input class="usa-radio__input" type="radio" id="choice-new" name="choice" value="new"><label class="usa-radio__label" for="choice-new">A new identity</label></div>
</fieldset>
<label class="usa-label" for="reason">Reason</label>
<textarea class="usa-textarea" id="reason" name="reason" required maxlength="1000"></textarea>
<button class="usa-button" type="submit" id="resolve">Resolve</button>
</form>`
      : html`<p id="resolution">${dispute.resolution ? `Resolved by ${dispute.resolvedBy}: ${dispute.resolution.choice} — ${dispute.resolution.reason}` : 'Open.'}</p>`;
  return view(
    `Dispute: ${dispute.source} ${dispute.sourceKey}`,
    html`<table class="usa-table" id="side-by-side"><caption>The record (line ${dispute.record.line}) beside each candidate</caption>
<thead><tr><th scope="col">Attribute</th><th scope="col">Record</th>${heads}</tr></thead>
<tbody>${rows}</tbody></table>
${form}
<p><a class="usa-link" href="${DISPUTES_PATH}">All disputes</a></p>`,
  );
}

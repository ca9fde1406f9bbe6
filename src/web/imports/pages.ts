import { html } from 'hono/html';
import type { ImportRun } from '../../sources/runs.ts';
import { type View, view } from '../view.ts';

/** The imports pages: upload a snapshot, the runs with their status, one run's summary, and a held run to confirm. */

export const IMPORTS_PATH = '/console/imports';

const SUMMARY_FIELDS = ['rows', 'valid', 'invalid', 'unchanged', 'joiners', 'movers', 'updated', 'leavers', 'rehires', 'returns', 'suspended', 'disputed', 'onHold', 'absent'] as const;

export function importsPage(sources: readonly string[], runs: readonly ImportRun[]): View {
  const options = sources.map((s) => html`<option value="${s}">${s}</option>`);
  const rows = runs.map(
    (r) =>
      html`<tr class="run" data-status="${r.status}"><td><a class="usa-link" href="${IMPORTS_PATH}/${r.id}">${r.fileName}</a></td><td>${r.source}</td><td class="status">${r.status}</td><td>${r.actor}</td><td>${r.createdAt.toISOString()}</td></tr>\n`,
  );
  return view(
    'Imports',
    html`<form class="usa-form" method="post" action="${IMPORTS_PATH}" enctype="multipart/form-data">
<label class="usa-label" for="source">Source</label>
<select class="usa-select" id="source" name="source">${options}</select>
<label class="usa-label" for="snapshot">Snapshot file (CSV or JSON Lines)</label>
<input class="usa-file-input" type="file" id="snapshot" name="snapshot" required>
<button class="usa-button" type="submit" id="upload">Upload and import</button>
</form>
<table class="usa-table" id="runs"><caption>Import runs, newest first</caption>
<thead><tr><th scope="col">File</th><th scope="col">Source</th><th scope="col">Status</th><th scope="col">By</th><th scope="col">Started</th></tr></thead>
<tbody>${rows}</tbody></table>`,
  );
}

export function runPage(run: ImportRun): View {
  const summary = SUMMARY_FIELDS.map((f) => html`<tr><th scope="row">${f}</th><td id="summary-${f}">${run.summary[f] ?? 0}</td></tr>`);
  const errors = run.errors.map((e) => html`<li class="run-error">${e.line ? `line ${e.line}: ` : ''}${e.field ? `${e.field}: ` : ''}${e.message}</li>`);
  const held = run.summary.held;
  const heldPart =
    run.status === 'held' && held
      ? html`<div class="usa-alert usa-alert--warning" id="held"><div class="usa-alert__body"><h2 class="usa-alert__heading">Held by the mass-change guard</h2>
<p class="usa-alert__text">This run would end <strong id="held-terminations">${held.terminations}</strong> of ${held.population} identities (${Math.round(held.share * 1000) / 10}%; the limit is ${Math.round(held.limitShare * 1000) / 10}%${held.limitCount !== null ? ` or ${held.limitCount}` : ''}). Nothing is applied until a second source administrator confirms it.</p></div></div>
<form class="usa-form" method="post" action="${IMPORTS_PATH}/${run.id}/confirm"><button class="usa-button usa-button--secondary" type="submit" id="confirm">Confirm and apply this run</button></form>`
      : '';
  return view(
    `Import of ${run.fileName}`,
    html`<p>Source <strong>${run.source}</strong>, uploaded by ${run.actor} at ${run.createdAt.toISOString()}. Status: <strong id="run-status">${run.status}</strong>.</p>
${heldPart}
<table class="usa-table" id="summary"><caption>What the run ${run.status === 'held' ? 'would do' : 'did'}</caption><tbody>${summary}</tbody></table>
${errors.length > 0 ? html`<h2>Errors and notices</h2><ul class="usa-list" id="errors">${errors}</ul>` : ''}
<p><a class="usa-link" href="${IMPORTS_PATH}">All imports</a></p>`,
  );
}

import { html } from 'hono/html';
import type { AuditEntry } from '../../audit/chain.ts';
import { exportAuditJsonl, siemRecord } from '../../audit/export.ts';
import { type AuditFilter, listAuditEntries, recordAudit } from '../../audit/queries.ts';
import { verifyAuditLog } from '../../audit/verify.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Muster } from '../../runtime/context.ts';
import { type ConsoleContext, operatorOf } from '../env.ts';
import type { Html } from '../layout/html.ts';
import { render, renderPart } from '../layout/shell.ts';
import { dataTable } from '../layout/table.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { API_ROLES, musterOf, type OperatorDeps, when } from './deps.ts';
import { refusal } from './respond.ts';

/** The audit log: search by actor, action and target, verify the chain and its checkpoints, export as JSON Lines. */

const AUDIT_PATH = `${CONSOLE_PATH}/audit`;
const PAGE = 100;
const FIELDS = ['actor', 'action', 'target'] as const;

function filterOf(c: ConsoleContext): Pick<AuditFilter, 'actor' | 'action' | 'target'> {
  const filter: Record<string, string> = {};
  for (const field of FIELDS) {
    const value = (c.req.query(field) ?? '').trim();
    if (value) filter[field] = value;
  }
  return filter;
}

function query(filter: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function searchForm(filter: Record<string, string | undefined>): Html {
  const input = (field: (typeof FIELDS)[number], label: string) =>
    html`<div class="tablet:grid-col-4"><label class="usa-label" for="audit-${field}">${label}</label><input class="usa-input" id="audit-${field}" name="${field}" value="${filter[field] ?? ''}"></div>`;
  return html`<form method="get" action="${AUDIT_PATH}" class="usa-form usa-form--large maxw-full" id="audit-search">
<div class="grid-row grid-gap">${input('actor', 'Actor')}${input('action', 'Action')}${input('target', 'Target')}</div>
<button type="submit" class="usa-button margin-top-2">Search</button>
<a class="usa-button usa-button--outline margin-top-2" href="${AUDIT_PATH}/export${query(filter)}" download>Export as JSON Lines</a>
</form>`;
}

function entriesTable(entries: readonly AuditEntry[]): Html {
  return dataTable({
    id: 'audit-entries',
    caption: `Entries, newest first (at most ${PAGE})`,
    columns: [
      { label: 'Seq', numeric: true, cell: (e: AuditEntry) => e.seq },
      { label: 'At', cell: (e) => when(e.at) },
      { label: 'Actor', cell: (e) => e.actor },
      { label: 'Action', cell: (e) => e.action },
      { label: 'Target', cell: (e) => e.target },
      { label: 'Reason', cell: (e) => e.reason },
    ],
    rows: entries,
    empty: 'No entries match.',
  });
}

function verifyBlock(): Html {
  return html`<section aria-labelledby="verify-heading" class="margin-top-4"><h2 id="verify-heading">Verify the chain</h2>
<p>Recomputes every entry's hash and checks the signed checkpoints against the keys this database trusts.</p>
<a class="usa-button usa-button--secondary" id="verify" href="${AUDIT_PATH}/verify" hx-get="${AUDIT_PATH}/verify" hx-target="#verify-result" hx-swap="innerHTML">Verify now</a>
<div id="verify-result" aria-live="polite" class="margin-top-2"></div></section>`;
}

async function auditPage(c: ConsoleContext, muster: Muster): Promise<Response> {
  const filter = filterOf(c);
  let entries: AuditEntry[];
  try {
    entries = await listAuditEntries(muster.store, { ...filter, limit: PAGE });
  } catch (error) {
    return refusal(c, error);
  }
  return render(c, 'Audit log', html`${searchForm(filter)}${entriesTable(entries)}${verifyBlock()}`);
}

async function verify(c: ConsoleContext, muster: Muster): Promise<Response> {
  const result = await verifyAuditLog(muster.store, { publicKeys: muster.auditKeys.publicKeys, trustedKeyIds: new Set([muster.auditKeys.signer.keyId]) });
  const warnings = result.warnings.map((w) => html`<li>${w}</li>`);
  const part = html`<div class="usa-alert ${result.ok ? 'usa-alert--success' : 'usa-alert--error'}" id="verify-outcome" data-ok="${String(result.ok)}"><div class="usa-alert__body">
<h3 class="usa-alert__heading">${result.ok ? 'The chain is intact' : 'The chain is broken'}</h3>
<p class="usa-alert__text">${result.entries.toLocaleString('en-US')} entries and ${result.checkpoints.toLocaleString('en-US')} checkpoints checked${result.firstBad ? `; first problem at seq ${result.firstBad.seq}: ${result.firstBad.problem}` : ''}.</p>
${warnings.length ? html`<ul class="usa-list">${warnings}</ul>` : ''}
</div></div>`;
  return renderPart(c, 'Audit chain verification', part);
}

async function* exportLines(muster: Muster, filter: Pick<AuditFilter, 'actor' | 'action' | 'target'>): AsyncGenerator<string> {
  if (Object.keys(filter).length === 0) {
    yield* exportAuditJsonl(muster.store);
    return;
  }
  for (const entry of (await listAuditEntries(muster.store, { ...filter, limit: 1000 })).reverse()) yield JSON.stringify(siemRecord(entry));
}

/** The log (or the entries the filter matches, at most 1000) as JSON Lines; the export itself is audited. */
async function exportLog(c: ConsoleContext, muster: Muster): Promise<Response> {
  const filter = filterOf(c);
  await recordAudit(muster.store, muster.audit, { actor: operatorOf(c).actor, action: 'audit.exported', target: null, reason: 'exported from the console', data: { filter } }, c.get('correlationId'));
  const lines = exportLines(muster, filter);
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(`${next.value}\n`));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  c.header('content-type', 'application/x-ndjson; charset=utf-8');
  c.header('content-disposition', `attachment; filename="muster-audit-${muster.clock.now().toISOString().slice(0, 10)}.jsonl"`);
  return c.body(stream);
}

export function auditPages(deps: OperatorDeps): ConsoleRoute[] {
  return [
    consoleRoute({ method: 'get', path: AUDIT_PATH, roles: API_ROLES.audit, nav: 'Audit log', handler: (c) => auditPage(c, musterOf(deps)) }),
    consoleRoute({ method: 'get', path: `${AUDIT_PATH}/verify`, roles: API_ROLES.audit, handler: (c) => verify(c, musterOf(deps)) }),
    consoleRoute({ method: 'get', path: `${AUDIT_PATH}/export`, roles: API_ROLES.audit, handler: (c) => exportLog(c, musterOf(deps)) }),
  ];
}

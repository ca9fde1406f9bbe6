import { html } from 'hono/html';
import type { AgreementVersion } from '../../federation/agreements.ts';
import { agreementService } from '../../runtime/agreements.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Muster } from '../../runtime/context.ts';
import type { ConsoleContext } from '../env.ts';
import type { Html } from '../layout/html.ts';
import { render } from '../layout/shell.ts';
import { dataTable } from '../layout/table.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { API_ROLES, musterOf, type OperatorDeps, when } from './deps.ts';
import { diffDocuments, type FieldChange } from './agreement-diff.ts';
import { refusal } from './respond.ts';

/** Trust agreements: the list in force, and one agreement's versions with the difference between any two. */

const AGREEMENTS_PATH = `${CONSOLE_PATH}/agreements`;
const ID = /^[a-z0-9][a-z0-9._-]{0,127}$/i;

async function listPage(c: ConsoleContext, muster: Muster): Promise<Response> {
  const agreements = await agreementService(muster).list();
  return render(
    c,
    'Trust agreements',
    dataTable({
      id: 'agreements',
      caption: 'Trust agreements, latest version of each',
      columns: [
        { label: 'Agreement', cell: (a: AgreementVersion) => html`<a href="${AGREEMENTS_PATH}/${a.id}">${a.document.name}</a>` },
        { label: 'Id', cell: (a) => a.id },
        { label: 'Version', numeric: true, cell: (a) => a.version },
        { label: 'Status', cell: (a) => a.status },
        { label: 'Relying parties', cell: (a) => a.document.relyingParties.map((r) => r.clientId).join(', ') },
        { label: 'Released', cell: (a) => a.document.attributes.map((x) => x.name).join(', ') },
        { label: 'Saved', cell: (a) => `${when(a.createdAt)} by ${a.author}` },
      ],
      rows: agreements,
      empty: 'No trust agreements.',
    }),
  );
}

function versionSelect(name: string, label: string, versions: readonly AgreementVersion[], chosen: number): Html {
  const options = versions.map((v) => html`<option value="${v.version}"${v.version === chosen ? ' selected' : ''}>v${v.version} — ${when(v.createdAt)}</option>`);
  return html`<div class="tablet:grid-col-6"><label class="usa-label" for="diff-${name}">${label}</label><select class="usa-select" id="diff-${name}" name="${name}">${options}</select></div>`;
}

function diffTable(changes: readonly FieldChange[], from: number, to: number): Html {
  return dataTable({
    id: 'agreement-diff',
    caption: `What changed from v${from} to v${to}`,
    columns: [
      { label: 'Field', cell: (ch: FieldChange) => html`<code>${ch.path}</code>` },
      { label: 'Change', cell: (ch) => ch.change },
      { label: `v${from}`, cell: (ch) => (ch.before === undefined ? null : html`<code>${ch.before}</code>`) },
      { label: `v${to}`, cell: (ch) => (ch.after === undefined ? null : html`<code>${ch.after}</code>`) },
    ],
    rows: changes,
    empty: `v${from} and v${to} are the same.`,
  });
}

async function agreementPage(c: ConsoleContext, muster: Muster): Promise<Response> {
  const id = c.req.param('id') ?? '';
  let history: AgreementVersion[];
  try {
    history = ID.test(id) ? await agreementService(muster).history(id) : [];
  } catch (error) {
    return refusal(c, error, { href: AGREEMENTS_PATH, text: 'All agreements' });
  }
  if (history.length === 0) return render(c, 'Not found', html`<p id="message">No agreement ${id}.</p>`, 404);
  const versions = [...history].sort((a, b) => a.version - b.version);
  const latest = versions.at(-1) as AgreementVersion;
  const pick = (name: string, fallback: number) => {
    const n = Number(c.req.query(name));
    return versions.some((v) => v.version === n) ? n : fallback;
  };
  const to = pick('to', latest.version);
  const from = pick('from', versions.length > 1 ? (versions.at(-2) as AgreementVersion).version : latest.version);
  const doc = (n: number) => versions.find((v) => v.version === n)?.document;
  const historyTable = dataTable({
    id: 'agreement-versions',
    caption: 'Versions',
    columns: [
      { label: 'Version', numeric: true, cell: (v: AgreementVersion) => v.version },
      { label: 'Status', cell: (v) => v.status },
      { label: 'Saved', cell: (v) => when(v.createdAt) },
      { label: 'By', cell: (v) => v.author },
      { label: 'Reason', cell: (v) => v.reason },
    ],
    rows: [...versions].reverse(),
  });
  const form = html`<form method="get" action="${AGREEMENTS_PATH}/${id}" class="usa-form maxw-full margin-top-3" id="diff-form">
<fieldset class="usa-fieldset"><legend class="usa-legend">Compare two versions</legend>
<div class="grid-row grid-gap">${versionSelect('from', 'From', versions, from)}${versionSelect('to', 'To', versions, to)}</div>
<button type="submit" class="usa-button margin-top-2">Compare</button></fieldset></form>`;
  return render(c, `${latest.document.name} (${id})`, html`${historyTable}${form}<div class="margin-top-3">${diffTable(diffDocuments(doc(from), doc(to)), from, to)}</div>`);
}

export function agreementPages(deps: OperatorDeps): ConsoleRoute[] {
  return [
    consoleRoute({ method: 'get', path: AGREEMENTS_PATH, roles: API_ROLES.agreements, nav: 'Trust agreements', handler: (c) => listPage(c, musterOf(deps)) }),
    consoleRoute({ method: 'get', path: `${AGREEMENTS_PATH}/:id`, roles: API_ROLES.agreements, handler: (c) => agreementPage(c, musterOf(deps)) }),
  ];
}

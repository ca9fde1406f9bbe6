import { html } from 'hono/html';
import type { CredentialDetail } from '../../credentials/queries.ts';
import { reasonOf } from '../../credentials/revocation.ts';
import type { RpSubject } from '../../federation/rp-subjects.ts';
import type { AccountView, AttributeView, BehaveView, EntitlementView, IdentityView, StatusChangeView } from '../../mur/identity-views.ts';
import type { Hold } from '../../lifecycle/holds.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Html } from '../layout/html.ts';
import { dataTable, reasonForm } from '../layout/table.ts';
import { when } from './deps.ts';

/** The sections of a person's page, each a heading and a table (or a short sentence when there is nothing). */

export const personPath = (id: string) => `${CONSOLE_PATH}/identities/${id}`;

function section(id: string, title: string, body: Html | string): Html {
  return html`<section aria-labelledby="${id}-heading" id="${id}" class="margin-top-4"><h2 id="${id}-heading">${title}</h2>${body}</section>`;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function attributesSection(attributes: readonly AttributeView[]): Html {
  return section(
    'attributes',
    'Attributes and where they came from',
    dataTable({
      id: 'attributes-table',
      caption: 'Attributes with provenance',
      hideCaption: true,
      columns: [
        { label: 'Attribute', cell: (a: AttributeView) => a.name },
        { label: 'Value', cell: (a) => text(a.value) },
        { label: 'Source', cell: (a) => a.source },
        { label: 'Source record', cell: (a) => a.sourceRecord },
        { label: 'Observed', cell: (a) => when(a.observedAt) },
      ],
      rows: attributes,
    }),
  );
}

export function statusSection(history: readonly StatusChangeView[]): Html {
  return section(
    'status-history',
    'Status history',
    dataTable({
      id: 'status-history-table',
      caption: 'Status changes, newest first',
      hideCaption: true,
      columns: [
        { label: 'When', cell: (s: StatusChangeView) => when(s.at) },
        { label: 'From', cell: (s) => s.fromStatus },
        { label: 'To', cell: (s) => s.toStatus },
        { label: 'Reason', cell: (s) => s.reason },
        { label: 'Source', cell: (s) => s.source },
        { label: 'Event', cell: (s) => (s.eventId === null ? null : `#${s.eventId}`) },
      ],
      rows: history,
      empty: 'No status changes.',
    }),
  );
}

export function holdsSection(id: string, holds: readonly Hold[], mayPlace: boolean): Html {
  const form = mayPlace
    ? reasonForm({
        action: `${personPath(id)}/holds`,
        className: 'margin-top-2',
        id: 'place-hold',
        field: { id: 'hold-reason', label: 'Reason for a new hold', minLength: 3, maxLength: 500 },
        buttons: [{ text: 'Place hold', secondary: true, className: 'margin-top-1' }],
      })
    : '';
  const table = dataTable({
    id: 'holds-table',
    caption: 'Holds, newest first',
    hideCaption: true,
    columns: [
      { label: 'Placed', cell: (h: Hold) => when(h.placedAt) },
      { label: 'Reason', cell: (h) => h.reason },
      { label: 'Placed by', cell: (h) => h.placedBy },
      { label: 'Released', cell: (h) => (h.releasedAt ? `${when(h.releasedAt)} by ${h.releasedBy}` : 'active') },
    ],
    rows: holds,
    empty: 'No holds.',
  });
  return section('holds', 'Holds', html`${table}${form}`);
}

export function vettingSection(view: IdentityView): Html {
  const trust = view.trust
    ? html`<dl class="usa-list usa-list--unstyled" id="trust"><dt class="text-bold">TRUST eligibility</dt><dd>${view.trust.eligibility} (${view.trust.status})</dd><dt class="text-bold">Investigation</dt><dd>${view.trust.investigationType ?? '—'}, adjudicated ${view.trust.adjudicationDate ?? '—'}</dd><dt class="text-bold">Source</dt><dd>${view.trust.source}</dd></dl>`
    : html`<p>No TRUST record.</p>`;
  const behave = dataTable({
    id: 'behave-table',
    caption: 'Training (BEHAVE)',
    columns: [
      { label: 'Course', cell: (b: BehaveView) => b.course },
      { label: 'Status', cell: (b) => b.status },
      { label: 'Completed', cell: (b) => b.completed },
      { label: 'Expires', cell: (b) => b.expires },
      { label: 'Source', cell: (b) => b.source },
    ],
    rows: view.behave,
    empty: 'No training records.',
  });
  return section('vetting', 'Vetting (TRUST) and training (BEHAVE)', html`${trust}${behave}`);
}

export function accountsSection(id: string, accounts: readonly AccountView[]): Html {
  return section(
    'accounts',
    'Accounts per target',
    dataTable({
      id: 'accounts-table',
      caption: 'Accounts as muster last recorded them; read one from its target now',
      columns: [
        { label: 'Target', cell: (a: AccountView) => a.target },
        { label: 'Account', cell: (a) => a.accountRef },
        { label: 'Status', cell: (a) => a.status },
        { label: 'Privileged', cell: (a) => (a.privileged ? 'yes' : 'no') },
        { label: 'Updated', cell: (a) => when(a.updatedAt) },
        {
          label: 'In the target now',
          cell: (a) =>
            html`<div id="live-${a.id}" aria-live="polite"><a class="live-read" href="${personPath(id)}/accounts/${a.id}" hx-get="${personPath(id)}/accounts/${a.id}" hx-target="#live-${a.id}" hx-swap="innerHTML">Read from ${a.target}</a></div>`,
        },
      ],
      rows: accounts,
      empty: 'No accounts in any target.',
    }),
  );
}

export function entitlementsSection(entitlements: readonly EntitlementView[]): Html {
  return section(
    'entitlements',
    'Entitlements and why',
    dataTable({
      id: 'entitlements-table',
      caption: 'Entitlements with the reason each was granted',
      hideCaption: true,
      columns: [
        { label: 'Target', cell: (e: EntitlementView) => e.target },
        { label: 'Entitlement', cell: (e) => e.entitlement },
        { label: 'Type', cell: (e) => e.entitlementType },
        { label: 'Reason', cell: (e) => e.reason },
        { label: 'Granted', cell: (e) => when(e.grantedAt) },
      ],
      rows: entitlements,
      empty: 'No entitlements.',
    }),
  );
}

/** OCSP's answer for a certificate, from the same status the responder signs (good, or revoked with its reason). */
function ocspStatus(status: string, reason: string | null): string {
  return status === 'revoked' ? `revoked (${reasonOf(reason)})` : 'good';
}

export function credentialsSection(id: string, credentials: readonly CredentialDetail[], maySuspend: boolean): Html {
  if (credentials.length === 0) return section('credentials', 'Cards and derived credentials', html`<p>No credentials.</p>`);
  const blocks = credentials.map((cred) => {
    const suspend =
      maySuspend && cred.type === 'piv_card' && cred.status === 'active'
        ? reasonForm({
            action: `${personPath(id)}/cards/${cred.id}/suspend`,
            className: 'margin-bottom-2',
            field: { id: `suspend-${cred.id}`, label: 'Reason to suspend this card', minLength: 3, maxLength: 500 },
            buttons: [{ text: 'Suspend card', secondary: true, className: 'margin-top-1' }],
          })
        : '';
    const certs = dataTable({
      id: `certificates-${cred.id}`,
      caption: `Certificates of ${cred.type} ${cred.reference ?? cred.id}`,
      columns: [
        { label: 'Serial', cell: (c: CredentialDetail['certificates'][number]) => html`<code>${c.serial}</code>` },
        { label: 'Profile', cell: (c) => c.profile },
        { label: 'Valid until', cell: (c) => when(c.notAfter) },
        { label: 'OCSP status', cell: (c) => html`<span class="ocsp-status">${ocspStatus(c.status, c.reason)}</span>` },
      ],
      rows: cred.certificates,
      empty: 'No certificates.',
    });
    return html`<div class="credential margin-bottom-3" id="credential-${cred.id}"><h3>${cred.type}: ${cred.status}</h3><p>Issued ${when(cred.issuedAt)}, expires ${when(cred.expiresAt)}.</p>${certs}${suspend}</div>`;
  });
  return section('credentials', 'Cards and derived credentials', html`${blocks}`);
}

/** A relying party that knows the person, and what its agreement releases to it. */
export interface RpRelease {
  readonly rp: RpSubject;
  readonly agreement: string | null;
  readonly released: readonly string[];
}

export function relyingPartiesSection(rows: readonly RpRelease[]): Html {
  return section(
    'relying-parties',
    'Relying parties that know this person',
    dataTable({
      id: 'relying-parties-table',
      caption: 'Relying parties and the attributes their agreement releases',
      hideCaption: true,
      columns: [
        { label: 'Client', cell: (r: RpRelease) => r.rp.clientId },
        { label: 'Subject', cell: (r) => html`<code>${r.rp.sub}</code>` },
        { label: 'Agreement', cell: (r) => r.agreement },
        { label: 'Released', cell: (r) => (r.released.length ? r.released.join(', ') : 'sub only') },
        { label: 'Last signed in', cell: (r) => when(r.rp.lastUsedAt) },
        { label: 'Provisioned', cell: (r) => when(r.rp.provisionedAt) },
      ],
      rows,
      empty: 'No relying party knows this person.',
    }),
  );
}

import { html } from 'hono/html';
import type { ProofingRecord, SponsorshipRecord } from '../../credentials/issuance-record-repository.ts';
import type { CredentialDetail } from '../../credentials/queries.ts';
import type { IdentitySummary } from '../../mur/identity-views.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Html } from '../layout/html.ts';
import { peopleSearchForm } from '../layout/search.ts';
import { dataTable } from '../layout/table.ts';
import { when } from '../operator/deps.ts';
import { type View, view } from '../view.ts';
import { cardButtons, type CardPermissions } from './buttons.ts';

/** The card issuance pages: finding a person, and one person's issuance steps and credentials. */

export const CARDS_PATH = `${CONSOLE_PATH}/cards`;
export const cardsPathOf = (identityId: string) => `${CARDS_PATH}/${identityId}`;

export function cardSearchPage(q: string, people: readonly IdentitySummary[]): View {
  return view(
    'Card issuance',
    html`${peopleSearchForm({ action: CARDS_PATH, inputId: 'cards-q', q, buttonId: 'cards-search' })}
${dataTable({
  id: 'card-people',
  caption: q ? `People matching “${q}”` : 'People (first page)',
  columns: [
    { label: 'Name', cell: (p: IdentitySummary) => html`<a href="${cardsPathOf(p.id)}">${p.fullName ?? p.id}</a>` },
    { label: 'Status', cell: (p) => p.status },
    { label: 'Employee id', cell: (p) => p.employeeId },
    { label: 'Email', cell: (p) => p.email },
  ],
  rows: people,
  empty: 'Nobody matches.',
})}`,
  );
}

/** Who may do which step of this page, from the roles the operator holds (each the role of its API route). */
export interface StepPermissions extends CardPermissions {
  readonly sponsor: boolean;
  readonly proof: boolean;
  readonly issue: boolean;
}

export interface CardPerson {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly sponsorship: SponsorshipRecord | undefined;
  readonly proofing: ProofingRecord | undefined;
  readonly credentials: readonly CredentialDetail[];
}

function step(id: string, title: string, done: Html | string, form: Html | string): Html {
  return html`<section aria-labelledby="${id}-heading" id="${id}" class="margin-top-4 issuance-step"><h2 id="${id}-heading">${title}</h2><p class="step-state">${done}</p>${form}</section>`;
}

function sponsorForm(person: CardPerson): Html {
  return html`<form class="usa-form" method="post" action="${cardsPathOf(person.id)}/sponsorship" id="sponsor-form">
<label class="usa-label" for="sponsor-reason">Why you sponsor ${person.name} for a PIV card</label>
<textarea class="usa-textarea" id="sponsor-reason" name="reason" required maxlength="1000"></textarea>
<button class="usa-button" type="submit" id="sponsor">Record sponsorship</button>
</form>`;
}

function evidenceFields(n: number, required: boolean): Html {
  const req = required ? html` required` : '';
  return html`<fieldset class="usa-fieldset margin-top-2"><legend class="usa-legend">Document ${n}${required ? '' : ' (if a second was seen)'}</legend>
<label class="usa-label" for="evidence${n}-type">Kind (passport, drivers-license, state-id, birth-certificate…)</label>
<input class="usa-input" id="evidence${n}-type" name="evidence${n}-type" maxlength="100"${req}>
<label class="usa-label" for="evidence${n}-issuer">Issued by</label>
<input class="usa-input" id="evidence${n}-issuer" name="evidence${n}-issuer" maxlength="200"${req}>
<label class="usa-label" for="evidence${n}-number">Document number</label>
<input class="usa-input" id="evidence${n}-number" name="evidence${n}-number" maxlength="100"${req}>
<label class="usa-label" for="evidence${n}-strength">Strength</label>
<select class="usa-select" id="evidence${n}-strength" name="evidence${n}-strength"><option value="superior">superior</option><option value="strong">strong</option><option value="fair">fair</option></select>
<div class="usa-checkbox"><input class="usa-checkbox__input" type="checkbox" id="evidence${n}-photo" name="evidence${n}-photo" value="yes"><label class="usa-checkbox__label" for="evidence${n}-photo">Bears a photograph of the applicant</label></div>
</fieldset>`;
}

function proofingForm(person: CardPerson, today: string): Html {
  return html`<form class="usa-form usa-form--large" method="post" action="${cardsPathOf(person.id)}/proofing" id="proofing-form">
<label class="usa-label" for="ial">Assurance level reached</label>
<select class="usa-select" id="ial" name="ial"><option value="IAL3">IAL3</option><option value="IAL2">IAL2</option><option value="IAL1">IAL1</option></select>
<label class="usa-label" for="method">How</label>
<select class="usa-select" id="method" name="method"><option value="in-person">in person</option><option value="supervised-remote">supervised remote</option></select>
<label class="usa-label" for="proofed-on">Proofed on</label>
<input class="usa-input" type="date" id="proofed-on" name="proofedOn" value="${today}" required>
${evidenceFields(1, true)}${evidenceFields(2, false)}
<button class="usa-button" type="submit" id="proof">Record proofing</button>
</form>`;
}

function issueForm(person: CardPerson, expiry: string): Html {
  return html`<form class="usa-form usa-form--large" method="post" action="${cardsPathOf(person.id)}/issue" id="issue-form">
<label class="usa-label" for="expires">Card expiry</label>
<div class="usa-hint" id="expires-hint">At most six years away.</div>
<input class="usa-input" type="date" id="expires" name="expires" value="${expiry}" aria-describedby="expires-hint" required>
<label class="usa-label" for="piv-auth-csr">PIV Authentication key request (PKCS#10, PEM), generated on the card</label>
<textarea class="usa-textarea" id="piv-auth-csr" name="pivAuthCsr" required maxlength="16384"></textarea>
<label class="usa-label" for="card-auth-csr">Card Authentication key request (PKCS#10, PEM), generated on the card</label>
<textarea class="usa-textarea" id="card-auth-csr" name="cardAuthCsr" required maxlength="16384"></textarea>
<button class="usa-button" type="submit" id="issue">Issue the card</button>
</form>`;
}

function credentialsTable(person: CardPerson, may: CardPermissions): Html {
  return dataTable({
    id: 'person-credentials',
    caption: `Cards and derived credentials of ${person.name}`,
    columns: [
      { label: 'Credential', cell: (k: CredentialDetail) => html`<span class="credential-ref" id="credential-${k.id}">${k.type} ${k.reference ?? k.id}</span>` },
      { label: 'State', cell: (k) => html`<span class="credential-state">${k.status}</span>` },
      { label: 'Issued', cell: (k) => when(k.issuedAt) },
      { label: 'Expires', cell: (k) => when(k.expiresAt) },
      { label: 'Certificates', cell: (k) => k.certificates.map((c) => `${c.profile} ${c.serial} (${c.status})`).join('; ') },
      { label: 'Actions', cell: (k) => cardButtons(person.id, k, may) },
    ],
    rows: person.credentials,
    empty: 'No cards or derived credentials.',
  });
}

export function cardPersonPage(person: CardPerson, may: StepPermissions, now: Date): View {
  const today = now.toISOString().slice(0, 10);
  const expiry = new Date(now.getTime() + 5 * 365 * 86_400_000).toISOString().slice(0, 10);
  const s = person.sponsorship;
  const p = person.proofing;
  const sponsored = s ? `Sponsored by ${s.sponsorId} on ${when(s.recordedAt)}: ${s.reason}` : 'Not sponsored yet.';
  const proofed = p ? `${p.ial} proofing (${p.method}) by ${p.registrarId} on ${when(p.proofedAt)}, ${p.evidence.length} document(s).` : 'Not proofed yet.';
  const issued = person.credentials.filter((k) => k.type === 'piv_card');
  return view(
    `Cards of ${person.name}`,
    html`<p class="usa-intro">${person.status}. <code>${person.id}</code>. A PIV card rests on a sponsorship, then an identity proofing, then the issuance: three different operators, none the applicant.</p>
${step('sponsorship', '1. Sponsorship (sponsor)', sponsored, may.sponsor ? sponsorForm(person) : '')}
${step('proofing', '2. Identity proofing (registrar)', proofed, may.proof ? proofingForm(person, today) : '')}
${step('issuance', '3. Issuance (issuer)', issued.length ? `${issued.length} card(s) issued.` : 'No card issued yet.', may.issue ? issueForm(person, expiry) : '')}
<section aria-labelledby="credentials-heading" id="credentials" class="margin-top-4"><h2 id="credentials-heading">Cards and derived credentials</h2>${credentialsTable(person, may)}</section>`,
  );
}

import { html } from 'hono/html';
import { OPERATOR_ROLES } from '../../core/operators/roles.ts';
import { APPROVAL_STEPS, type CatalogueItem, ITEM_KINDS, type ItemDocument } from '../../governance/index.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import { type Names, personLabel } from '../access/pages.ts';
import type { Html } from '../layout/html.ts';
import { dataTable } from '../layout/table.ts';
import { type View, view } from '../view.ts';

/** The catalogue as its policy admins keep it: every item, enabled or not, and the form that saves an item's next version. */

export const CATALOGUE_PATH = `${CONSOLE_PATH}/catalogue`;

const KIND_TEXT: Record<(typeof ITEM_KINDS)[number], string> = { group: 'A group in a target', role: 'An operator role', rp: 'A relying party' };
const STEP_TEXT: Record<(typeof APPROVAL_STEPS)[number], string> = {
  manager: "the beneficiary's manager",
  owner: 'any one owner',
  'owners:2': 'two different owners',
  auto: 'automatic (low-risk access only)',
};

function gives(d: ItemDocument): string {
  if (d.kind === 'group') return `group ${d.group} in ${d.target}`;
  if (d.kind === 'role') return `operator role ${d.role}`;
  return `relying parties of agreement ${d.agreement}`;
}

export function catalogueListPage(items: readonly CatalogueItem[], names: Names): View {
  const table = dataTable({
    id: 'catalogue-items',
    caption: 'Every catalogue item, its newest version',
    columns: [
      { label: 'Item', cell: (i: CatalogueItem) => html`<a class="usa-link" href="${CATALOGUE_PATH}/items/${i.name}">${i.name}</a>` },
      { label: 'Gives', cell: (i) => gives(i.document) },
      { label: 'Owners', cell: (i) => i.document.owners.map((o) => personLabel(names, o)).join(', ') },
      { label: 'Privileged', cell: (i) => (i.document.privileged ? (i.document.activation === 'jit' ? 'yes, just in time' : 'yes') : 'no') },
      { label: 'At most', cell: (i) => `${i.document.maxDays} days` },
      { label: 'Approvals', cell: (i) => i.document.approvals.join(', ') },
      { label: 'State', cell: (i) => `${i.enabled ? 'offered' : 'disabled'}, version ${i.version}` },
    ],
    rows: items,
    empty: 'The catalogue is empty.',
  });
  return view('Catalogue', html`<p><a class="usa-button" href="${CATALOGUE_PATH}/new" id="new-item">New item</a></p>${table}`);
}

const checked = (on: boolean) => (on ? html` checked` : '');
const selected = (on: boolean) => (on ? html` selected` : '');

function kindRadios(current: string): Html {
  const radios = ITEM_KINDS.map(
    (k) =>
      html`<div class="usa-radio"><input class="usa-radio__input" id="kind-${k}" type="radio" name="kind" value="${k}"${checked(k === current)}><label class="usa-radio__label" for="kind-${k}">${KIND_TEXT[k]}</label></div>`,
  );
  return html`<fieldset class="usa-fieldset margin-top-2"><legend class="usa-legend">What it gives</legend>${radios}</fieldset>`;
}

function grantFields(d: Partial<ItemDocument>, targets: readonly string[]): Html {
  const target = d.kind === 'group' ? d.target : '';
  const roleNow = d.kind === 'role' ? d.role : '';
  return html`<label class="usa-label" for="item-target">Target (a group)</label>
<select class="usa-select" id="item-target" name="target"><option value="">—</option>${targets.map((t) => html`<option value="${t}"${selected(t === target)}>${t}</option>`)}</select>
<label class="usa-label" for="item-group">Group (a group)</label>
<input class="usa-input" id="item-group" name="group" maxlength="256" value="${d.kind === 'group' ? d.group : ''}">
<label class="usa-label" for="item-role">Role (an operator role)</label>
<select class="usa-select" id="item-role" name="role"><option value="">—</option>${Object.keys(OPERATOR_ROLES).map((r) => html`<option value="${r}"${selected(r === roleNow)}>${r}</option>`)}</select>
<label class="usa-label" for="item-agreement">Trust agreement (a relying party)</label>
<input class="usa-input" id="item-agreement" name="agreement" maxlength="128" value="${d.kind === 'rp' ? d.agreement : ''}">`;
}

function approvalBoxes(current: readonly string[]): Html {
  const boxes = APPROVAL_STEPS.map(
    (s) =>
      html`<div class="usa-checkbox"><input class="usa-checkbox__input" id="approval-${s.replace(':', '-')}" type="checkbox" name="approvals" value="${s}"${checked(current.includes(s))}><label class="usa-checkbox__label" for="approval-${s.replace(':', '-')}">${STEP_TEXT[s]}</label></div>`,
  );
  return html`<fieldset class="usa-fieldset margin-top-2"><legend class="usa-legend">Approval chain, in this order</legend>${boxes}</fieldset>`;
}

function activationFields(d: Partial<ItemDocument>): Html {
  const jit = d.activation === 'jit';
  return html`<fieldset class="usa-fieldset margin-top-2"><legend class="usa-legend">Activation (privileged groups)</legend>
<div class="usa-radio"><input class="usa-radio__input" id="activation-standing" type="radio" name="activation" value="standing"${checked(!jit)}><label class="usa-radio__label" for="activation-standing">Standing: held while granted</label></div>
<div class="usa-radio"><input class="usa-radio__input" id="activation-jit" type="radio" name="activation" value="jit"${checked(jit)}><label class="usa-radio__label" for="activation-jit">Just in time: activated for hours after a fresh sign-in</label></div>
</fieldset>
<label class="usa-label" for="item-hours">Hours an activation lasts</label>
<input class="usa-input usa-input--small" type="number" id="item-hours" name="activationHours" min="1" max="24" value="${d.activationHours ?? ''}">`;
}

/** A save the service refused: what was typed, shown again with the refusal above it. */
export interface RefusedDraft {
  readonly name: string;
  readonly document: Partial<ItemDocument>;
  readonly reason: string;
  readonly refusal: string;
}

/** What the form shows: the item being edited (its newest version) or nothing for a new one, and a refused draft. */
export interface ItemFormData {
  readonly item: CatalogueItem | null;
  /** The owners as the form lists them: employee ids where the MUR knows them, else identity ids. */
  readonly owners: readonly string[];
  readonly targets: readonly string[];
  readonly draft?: RefusedDraft;
}

function refusalAlert(draft: RefusedDraft | undefined): Html | string {
  if (!draft) return '';
  return html`<div class="usa-alert usa-alert--error" role="alert" id="refusal"><div class="usa-alert__body"><h2 class="usa-alert__heading">Not saved</h2><p class="usa-alert__text">${draft.refusal}</p></div></div>`;
}

export function itemFormPage({ item, owners, targets, draft }: ItemFormData): View {
  const d: Partial<ItemDocument> = draft?.document ?? item?.document ?? { kind: 'group', approvals: ['manager'], maxDays: 90 };
  const name = item
    ? html`<input type="hidden" name="name" value="${item.name}"><p>Version ${item.version} by ${item.author}, ${item.enabled ? 'offered' : 'disabled'}. Saving makes version ${item.version + 1}, offered.</p>`
    : html`<label class="usa-label" for="item-name">Name</label>
<div class="usa-hint" id="item-name-hint">Lower-case letters, digits, ".", "-" and "_", starting with a letter.</div>
<input class="usa-input" id="item-name" name="name" required maxlength="64" pattern="[a-z][a-z0-9._\\-]{0,63}" aria-describedby="item-name-hint" value="${draft?.name ?? ''}">`;
  return view(
    item ? `Catalogue item ${item.name}` : 'New catalogue item',
    html`${refusalAlert(draft)}<form class="usa-form usa-form--large" method="post" action="${CATALOGUE_PATH}" id="item-form">
${name}
${kindRadios(d.kind ?? 'group')}
${grantFields(d, targets)}
<label class="usa-label" for="item-description">Description</label>
<textarea class="usa-textarea" id="item-description" name="description" required maxlength="1000">${d.description ?? ''}</textarea>
<label class="usa-label" for="item-owners">Owners</label>
<div class="usa-hint" id="item-owners-hint">Employee ids or identity ids, one a line.</div>
<textarea class="usa-textarea" id="item-owners" name="owners" required aria-describedby="item-owners-hint">${owners.join('\n')}</textarea>
<div class="usa-checkbox margin-top-2"><input class="usa-checkbox__input" id="item-privileged" type="checkbox" name="privileged" value="yes"${checked(d.privileged === true)}><label class="usa-checkbox__label" for="item-privileged">Privileged</label></div>
<label class="usa-label" for="item-days">Longest a grant lasts, in days</label>
<input class="usa-input usa-input--small" type="number" id="item-days" name="maxDays" min="1" max="3650" required value="${d.maxDays ?? ''}">
${approvalBoxes(d.approvals ?? [])}
${activationFields(d)}
<label class="usa-label" for="item-reason">Reason for this version</label>
<textarea class="usa-textarea" id="item-reason" name="reason" required maxlength="1000">${draft?.reason ?? ''}</textarea>
<button class="usa-button" type="submit" id="save-item">Save</button>
</form>`,
  );
}

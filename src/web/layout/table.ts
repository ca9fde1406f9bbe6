import { html } from 'hono/html';
import type { Html } from './html.ts';

/**
 * An accessible data table in the U.S. Web Design System: a caption, column headers with `scope="col"`, the first
 * cell of each row a row header, numbers right-aligned and tabular. Wide tables scroll inside a focusable region
 * named by the caption, so that a keyboard can scroll them.
 */

export interface Column<R> {
  readonly label: string;
  /** The cell: text (escaped) or a template. */
  readonly cell: (row: R) => Html | string | number | null | undefined;
  readonly numeric?: boolean;
}

export interface DataTableOptions<R> {
  readonly id?: string;
  readonly caption: string;
  readonly columns: readonly Column<R>[];
  readonly rows: readonly R[];
  /** Shown in place of the table when there are no rows. */
  readonly empty?: string;
  /** A caption read by screen readers only (the page's heading already says it). */
  readonly hideCaption?: boolean;
}

function cellValue(value: Html | string | number | null | undefined): Html | string {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'number' ? value.toLocaleString('en-US') : value;
}

export function dataTable<R>(options: DataTableOptions<R>): Html {
  const id = options.id ? html` id="${options.id}"` : '';
  if (options.rows.length === 0) return html`<p class="usa-hint"${id}>${options.empty ?? `${options.caption}: none.`}</p>`;
  const headers = options.columns.map((col) => html`<th scope="col"${col.numeric ? html` class="data-numeric"` : ''}>${col.label}</th>`);
  const rows = options.rows.map(
    (row) =>
      html`<tr>${options.columns.map((col, i) => {
        const value = cellValue(col.cell(row));
        const numeric = col.numeric ? html` class="data-numeric font-mono-xs"` : '';
        return i === 0 ? html`<th scope="row"${numeric}>${value}</th>` : html`<td${numeric}>${value}</td>`;
      })}</tr>\n`,
  );
  const caption = options.hideCaption ? html`<caption class="usa-sr-only">${options.caption}</caption>` : html`<caption>${options.caption}</caption>`;
  return html`<div class="usa-table-container--scrollable" tabindex="0" role="region" aria-label="${options.caption}">
<table class="usa-table usa-table--striped usa-table--compact"${id}>
${caption}
<thead><tr>${headers}</tr></thead>
<tbody>
${rows}</tbody>
</table>
</div>`;
}

/** A submit button of a row's form: `name`/`value` say which choice was made, `formaction` sends it elsewhere. */
export interface FormButton {
  readonly text: string;
  readonly id?: string;
  readonly name?: string;
  readonly value?: string;
  readonly formaction?: string;
  readonly secondary?: boolean;
  readonly className?: string;
}

/** A form beside a table, or in one of its cells: one required text field (a reason, a comment) and its buttons. */
export interface ReasonFormOptions {
  readonly action: string;
  /** Classes beside `usa-form`. */
  readonly className: string;
  readonly id?: string;
  readonly field: { readonly id: string; readonly label: string; readonly name?: string; readonly minLength?: number; readonly maxLength?: number };
  readonly buttons: readonly FormButton[];
}

function formButton(b: FormButton): Html {
  const classes = ['usa-button', ...(b.secondary ? ['usa-button--secondary'] : []), ...(b.className ? [b.className] : [])].join(' ');
  const id = b.id ? html` id="${b.id}"` : '';
  const choice = b.name ? html` name="${b.name}" value="${b.value ?? ''}"` : '';
  const formaction = b.formaction ? html` formaction="${b.formaction}"` : '';
  return html`<button class="${classes}" type="submit"${choice}${formaction}${id}>${b.text}</button>`;
}

export function reasonForm(options: ReasonFormOptions): Html {
  const { field } = options;
  const id = options.id ? html` id="${options.id}"` : '';
  const min = field.minLength ? html` minlength="${field.minLength}"` : '';
  return html`<form class="usa-form ${options.className}" method="post" action="${options.action}"${id}>
<label class="usa-label" for="${field.id}">${field.label}</label>
<input class="usa-input" id="${field.id}" name="${field.name ?? 'reason'}" required${min} maxlength="${field.maxLength ?? 1000}">
${options.buttons.map(formButton)}
</form>`;
}

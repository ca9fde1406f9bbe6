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

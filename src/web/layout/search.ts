import { html } from 'hono/html';
import type { Html } from './html.ts';

export interface PeopleSearch {
  /** Where the form goes (GET, `q`). */
  readonly action: string;
  /** The input's id (its label points at it). */
  readonly inputId: string;
  readonly q: string;
  /** With htmx: the element the results replace, in place of a new page. */
  readonly resultsId?: string;
  readonly buttonId?: string;
}

/** The USWDS small search form for people by name, email or employee id. */
export function peopleSearchForm(search: PeopleSearch): Html {
  const swap = search.resultsId ? html` hx-get="${search.action}" hx-target="#${search.resultsId}" hx-swap="outerHTML"` : html``;
  const button = search.buttonId ? html` id="${search.buttonId}"` : html``;
  return html`<form method="get" action="${search.action}" class="usa-search usa-search--small margin-bottom-3" role="search"${swap}>
<label class="usa-sr-only" for="${search.inputId}">Name, email or employee id</label>
<input class="usa-input" id="${search.inputId}" type="search" name="q" value="${search.q}">
<button class="usa-button" type="submit"${button}><span class="usa-search__submit-text">Search</span></button>
</form>`;
}

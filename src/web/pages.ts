import { html } from 'hono/html';
import type { Hold } from '../lifecycle/holds.ts';
import type { Html } from './layout/html.ts';
import { shellPage } from './layout/shell.ts';
import { dataTable } from './layout/table.ts';
import { CONSOLE_PATH } from '../runtime/console.ts';

/**
 * The console's pages. Hono's `html` template escapes every value put into it; only templates nest unescaped. No
 * script and no inline style: the Content-Security-Policy allows neither.
 */

export type { Html };

/** What every page shows of the signed-in operator, and the sign-out form (the CSRF guard checks its origin). */
export interface OperatorView {
  readonly identityId: string;
  readonly roles: readonly string[];
}

/** A page in the console's shell without its side navigation (messages, refusals, the page after signing in). */
export function page(title: string, body: Html, options: { operator?: OperatorView; refresh?: string } = {}): Html {
  return shellPage({ title, body, ...(options.operator ? { operator: options.operator } : {}), ...(options.refresh ? { refresh: options.refresh } : {}) });
}

/** Who is signed in, with which roles (the top of the dashboard). */
export function whoAmI(operator: OperatorView): Html {
  const roles = operator.roles.map((role) => html`<li class="role">${role}</li>\n`);
  return html`<section aria-labelledby="you-heading" class="margin-bottom-3">
<h2 id="you-heading" class="usa-sr-only">You</h2>
<p>Operator <code id="identity">${operator.identityId}</code></p>
<ul id="roles" class="usa-list usa-sr-only" aria-label="Your roles">
${roles}</ul>
</section>`;
}

/** The home of a cardholder's session: who they are, and their own pages (no operator page opens to them). */
export function cardholderHome(person: OperatorView): Html {
  return html`<p>Cardholder <code id="identity">${person.identityId}</code></p>
<p id="self">You are signed in as a cardholder: these pages show what is yours.</p>
<ul class="usa-list">
<li><a class="usa-link" href="${CONSOLE_PATH}/me" id="my-credentials">My credentials</a></li>
<li><a class="usa-link" href="${CONSOLE_PATH}/me/relying-parties">Relying parties that know you</a></li>
</ul>`;
}

export function holdsBody(holds: readonly Hold[]): Html {
  return html`${dataTable({
    id: 'holds',
    caption: `${holds.length} active hold(s)`,
    columns: [
      { label: 'Identity', cell: (h: Hold) => html`<a href="${CONSOLE_PATH}/identities/${h.identityId}">${h.identityId}</a>` },
      { label: 'Reason', cell: (h: Hold) => h.reason },
      { label: 'Placed by', cell: (h: Hold) => h.placedBy },
      { label: 'Placed at', cell: (h: Hold) => String(h.placedAt) },
    ],
    rows: holds,
    empty: 'No active holds.',
  })}`;
}

export function messagePage(title: string, message: string, options: { operator?: OperatorView; link?: { href: string; text: string } } = {}): Html {
  const link = options.link ? html`<p><a href="${options.link.href}">${options.link.text}</a></p>` : '';
  return page(title, html`<p id="message">${message}</p>\n${link}`, options.operator ? { operator: options.operator } : {});
}

/** Answers the OP's redirect: a page of the console's own that goes on to `to`, so that the Strict session cookie goes with it. */
export function continuePage(to: string): Html {
  return page('Signed in', html`<p><a href="${to}">Continue to the console</a></p>`, { refresh: to });
}

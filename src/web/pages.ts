import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Hold } from '../lifecycle/holds.ts';

/**
 * The console's pages. Hono's `html` template escapes every value put into it; only templates nest unescaped. No
 * script and no inline style: the Content-Security-Policy allows neither.
 */

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What every page shows of the signed-in operator, and the sign-out form (the CSRF guard checks its origin). */
export interface OperatorView {
  readonly identityId: string;
  readonly roles: readonly string[];
}

export function page(title: string, body: Html, options: { operator?: OperatorView; refresh?: string } = {}): Html {
  const refresh = options.refresh ? html`\n<meta http-equiv="refresh" content="0;url=${options.refresh}">` : '';
  const signOut = options.operator ? html`<form method="post" action="/console/sign-out"><button type="submit" id="sign-out">Sign out</button></form>` : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>${title} — muster console</title>
</head>
<body>
<header><a href="/console">muster console</a> ${signOut}</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

export function homePage(operator: OperatorView & { kind?: string }): Html {
  const roles = operator.roles.map((role) => html`<li class="role">${role}</li>\n`);
  const operatorPart =
    operator.kind === 'self'
      ? html`<p id="self">You are signed in as a cardholder: these pages show what is yours.</p>`
      : html`<h2>Your roles</h2>
<ul id="roles">
${roles}</ul>
<p><a href="/console/holds">Holds</a> · <a href="/console/imports">Imports</a> · <a href="/console/disputes">Disputes</a></p>`;
  return page(
    'Signed in',
    html`<p>${operator.kind === 'self' ? 'Cardholder' : 'Operator'} <code id="identity">${operator.identityId}</code></p>
${operatorPart}
<p><a href="/console/me" id="my-credentials">My credentials</a></p>`,
    { operator },
  );
}

export function holdsPage(operator: OperatorView, holds: readonly Hold[]): Html {
  const rows = holds.map((h) => html`<tr><td>${h.identityId}</td><td>${h.reason}</td><td>${h.placedBy}</td><td>${h.placedAt}</td></tr>\n`);
  return page(
    'Holds',
    html`<table id="holds">
<thead><tr><th>Identity</th><th>Reason</th><th>Placed by</th><th>Placed at</th></tr></thead>
<tbody>
${rows}</tbody>
</table>
<p>${holds.length} active hold(s).</p>`,
    { operator },
  );
}

export function messagePage(title: string, message: string, options: { operator?: OperatorView; link?: { href: string; text: string } } = {}): Html {
  const link = options.link ? html`<p><a href="${options.link.href}">${options.link.text}</a></p>` : '';
  return page(title, html`<p id="message">${message}</p>\n${link}`, options.operator ? { operator: options.operator } : {});
}

/** Answers the OP's redirect: a page of the console's own that goes on to `to`, so that the Strict session cookie goes with it. */
export function continuePage(to: string): Html {
  return page('Signed in', html`<p><a href="${to}">Continue to the console</a></p>`, { refresh: to });
}

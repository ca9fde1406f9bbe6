import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import { type ConsoleContext, operatorOf } from '../env.ts';
import { assetUrl } from './assets.ts';
import type { Html } from './html.ts';
import { isCurrent, type NavEntry, navFor } from './nav.ts';

/**
 * The page of the console in the U.S. Web Design System: a skip link, the header with the signed-in operator (name,
 * roles, sign-out form), a side navigation with only the pages the operator's roles open, the page in `<main>`, and
 * a footer. USWDS's css and js and htmx come from muster itself (`/console/assets`); nothing inline, so the CSP
 * allows `'self'` only. Every page reads without script: htmx only swaps in what a link or form would load anyway.
 */

/** What the shell shows of the signed-in operator. */
export interface ShellOperator {
  readonly identityId: string;
  readonly roles: readonly string[];
  /** Their full name in the record, when it has one. */
  readonly name?: string | null;
}

export interface ShellView {
  readonly title: string;
  readonly body: Html;
  readonly operator?: ShellOperator;
  /** The entries this operator may open (already filtered); none: no side navigation. */
  readonly nav?: readonly NavEntry[];
  /** The path of the page, to mark its entry current. */
  readonly path?: string;
  /** Go on to this address at once (the page after signing in). */
  readonly refresh?: string;
}

/** What the console app puts in every request for the shell: the navigation, and how to name an operator. */
export interface ConsoleShell {
  readonly nav: readonly NavEntry[];
  readonly nameOf: (identityId: string) => Promise<string | null>;
}

function operatorBlock(operator: ShellOperator): Html {
  const roles = operator.roles.map((role) => html`<li class="usa-tag bg-base-dark margin-right-05">${role}</li>`);
  return html`<div class="console-operator padding-y-1 display-flex flex-row flex-wrap flex-align-center">
<p class="margin-y-0 margin-right-1">Signed in as <strong id="operator-name">${operator.name ?? operator.identityId}</strong></p>
<ul class="usa-list usa-list--unstyled display-flex flex-row flex-wrap margin-right-1" id="operator-roles" aria-label="Your roles">${roles}</ul>
<form method="post" action="${CONSOLE_PATH}/sign-out"><button type="submit" class="usa-button usa-button--outline usa-button--unstyled" id="sign-out">Sign out</button></form>
</div>`;
}

function sideNav(entries: readonly NavEntry[], path: string | undefined): Html {
  const items = entries.map((entry) => {
    const current = path !== undefined && isCurrent(entry, path, entries);
    return html`<li class="usa-sidenav__item"><a href="${entry.path}"${current ? html` class="usa-current" aria-current="page"` : ''}>${entry.label}</a></li>`;
  });
  return html`<nav aria-label="Console pages" id="console-nav" class="margin-bottom-4"><ul class="usa-sidenav">${items}</ul></nav>`;
}

export function shellPage(view: ShellView): Html {
  const refresh = view.refresh ? html`\n<meta http-equiv="refresh" content="0;url=${view.refresh}">` : '';
  const hasNav = view.nav !== undefined && view.nav.length > 0;
  const main = html`<main id="main-content" tabindex="-1" class="${hasNav ? 'tablet:grid-col-9' : 'grid-col-12'} padding-bottom-4">
<h1>${view.title}</h1>
${view.body}
</main>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>${view.title} — muster console</title>
<link rel="stylesheet" href="${assetUrl('uswds', 'css/uswds.min.css')}">
<script src="${assetUrl('uswds', 'js/uswds-init.min.js')}"></script>
</head>
<body>
<a class="usa-skipnav" href="#main-content">Skip to main content</a>
<header class="usa-header usa-header--basic border-bottom-1px border-base-lighter">
<div class="grid-container">
<div class="usa-logo margin-y-2"><em class="usa-logo__text"><a href="${CONSOLE_PATH}" title="muster console home">muster console</a></em></div>
${view.operator ? operatorBlock(view.operator) : ''}
</div>
</header>
<div class="grid-container margin-top-3">
<div class="grid-row grid-gap">
${hasNav ? html`<div class="tablet:grid-col-3">${sideNav(view.nav as NavEntry[], view.path)}</div>` : ''}
${main}
</div>
</div>
<footer class="usa-footer usa-footer--slim">
<div class="usa-footer__secondary-section"><div class="grid-container"><p class="margin-y-1">muster — identity, credentials and federation of the agency. Every action here is audited.</p></div></div>
</footer>
<script src="${assetUrl('uswds', 'js/uswds.min.js')}"></script>
<script src="${assetUrl('htmx', 'htmx.min.js')}"></script>
</body>
</html>
`;
}

/** The shell around `body` for the signed-in operator of this request: their name, roles and navigation. */
export async function shellFor(c: ConsoleContext, title: string, body: Html): Promise<Html> {
  const operator = operatorOf(c);
  const shell = c.get('shell');
  const name = await shell.nameOf(operator.identityId);
  return shellPage({ title, body, operator: { identityId: operator.identityId, roles: operator.roles, name }, nav: navFor(shell.nav, operator.roles), path: c.req.path });
}

/** Answers with a whole page in the shell; to an htmx request that targets part of a page, `fragment` answers alone. */
export async function render(c: ConsoleContext, title: string, body: Html, status: ContentfulStatusCode = 200): Promise<Response> {
  return c.html(await shellFor(c, title, body), status);
}

/** Is this request htmx's (it then wants only the part it swaps in)? */
export function isHtmx(c: ConsoleContext): boolean {
  return c.req.header('hx-request') === 'true';
}

/** Answers htmx with `part` alone, and a browser without script with `part` in a whole page titled `title`. */
export async function renderPart(c: ConsoleContext, title: string, part: Html): Promise<Response> {
  return isHtmx(c) ? c.html(await part) : render(c, title, part);
}

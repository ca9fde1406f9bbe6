import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { SignInPage } from '../../protocols/oidc/interactions/index.ts';

/**
 * The sign-in pages as HTML, from the pages the interactions describe (protocols/oidc/interactions/pages.ts).
 * Hono's `html` template escapes every value put into it (`& < > " '`, so in text and in quoted attributes alike);
 * only templates nest unescaped. Styles and the one script come from the pages' own path: nothing inline.
 */

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;
type RelyingPartyView = Extract<SignInPage, { name: 'login' }>['rp'];

const ATTRIBUTE_LABELS: Record<string, string> = {
  name: 'Full name',
  given_name: 'Given name',
  family_name: 'Family name',
  email: 'Email address',
  phone_number: 'Telephone number',
  address: 'Postal address',
  x509_certificate_id: 'PIV certificate identifier',
  roles: 'Access you hold by request (roles)',
};

function document(assets: string, title: string, body: Html, script = false): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${assets}/sign-in.css">${script ? html`\n<script src="${assets}/sign-in.js" defer></script>` : ''}
</head>
<body>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

function relyingParty(rp: RelyingPartyView): Html {
  const items = rp.attributes.map((a) => html`<li><strong>${ATTRIBUTE_LABELS[a.name] ?? a.name}</strong> — ${a.purpose}</li>\n`);
  return html`<p><strong>${rp.name}</strong> asks you to sign in, under the trust agreement “${rp.agreementName}”. It will receive:</p>
<ul class="attributes">
<li><strong>Federated identifier, home agency, organizational affiliation, last-updated time</strong> — required for every PIV federation sign-in (SP 800-217)</li>
${items}</ul>`;
}

function login(assets: string, page: Extract<SignInPage, { name: 'login' }>): Html {
  const aal3 = page.rp.requiredAal === 'aal3' ? html`<p class="note">This service requires AAL3: a PIV card, or a hardware-backed Derived PIV credential.</p>` : '';
  return document(
    assets,
    'Sign in with your PIV credential',
    html`${page.notice ? html`<p class="notice">${page.notice}</p>\n` : ''}${relyingParty(page.rp)}
${aal3}
<section>
<h2>Choose how to sign in</h2>
<p><a class="button" id="piv" href="${page.pivUrl}">PIV card or PKI-based Derived PIV (certificate)</a></p>
<p><button type="button" id="webauthn" data-options="${page.webauthnOptionsUrl}" data-submit="${page.webauthnUrl}">FIDO2 Derived PIV (security key)</button></p>
<p id="status" role="status" aria-live="polite"></p>
</section>
<form method="post" action="${page.abortUrl}"><button type="submit" class="secondary">Cancel and return</button></form>`,
    true,
  );
}

function consent(assets: string, page: Extract<SignInPage, { name: 'consent' }>): Html {
  const why = page.changed ? html`<p class="notice">What this service receives has changed since you last agreed.</p>\n` : '';
  return document(
    assets,
    'Allow this service to receive your information?',
    html`${why}${relyingParty(page.rp)}
<form method="post" action="${page.action}">
<button type="submit" name="decision" value="accept">Allow</button>
<button type="submit" name="decision" value="decline" class="secondary">Do not allow</button>
</form>`,
  );
}

function refusal(assets: string, page: Extract<SignInPage, { name: 'refusal' }>): Html {
  const retry = page.retryUrl ? html`<p><a class="button" href="${page.retryUrl}">Back to the sign-in choices</a></p>` : html`<p>Return to the service you came from and start again.</p>`;
  return document(assets, 'Sign-in refused', html`<p class="error">${page.message}</p>\n${retry}`);
}

/** The page as HTML; `assets` is the path the styles and script are served under (the pages' own). */
export function renderPage(assets: string, page: SignInPage): Html {
  switch (page.name) {
    case 'login':
      return login(assets, page);
    case 'consent':
      return consent(assets, page);
    case 'refusal':
      return refusal(assets, page);
    case 'failure':
      return document(assets, 'Sign-in failed', html`<p class="error">Something went wrong on our side. Return to the service and try again.</p>`);
    case 'not-found':
      return document(assets, 'Not found', html`<p>There is no sign-in page here.</p>`);
  }
}

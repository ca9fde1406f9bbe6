import { html } from 'hono/html';
import type { CertificateView, CredentialDetail } from '../../credentials/queries.ts';
import type { DerivedCredential } from '../../credentials/derived/types.ts';
import { PIV_CARD } from '../../credentials/types.ts';
import type { RpSubject } from '../../federation/rp-subjects.ts';
import { type Html, type View, view } from '../view.ts';
import { STATIC_PATH } from '../static.ts';

/** The cardholder's own pages: their credentials, a card reported lost, a Derived PIV binding, the relying parties that know them. */

export const SELF_PATH = '/console/me';

/** What muster's OCSP responder answers for the certificate: good, revoked (with the reason), or on hold. */
export function ocspStatus(certificate: CertificateView): string {
  if (certificate.status === 'good') return 'good';
  if (certificate.reason === 'certificateHold') return 'revoked: on hold (certificateHold)';
  return `revoked${certificate.reason ? ` (${certificate.reason})` : ''}`;
}

const LOSABLE = new Set(['issued', 'active']);

function lostForm(card: CredentialDetail): Html {
  if (card.type !== PIV_CARD || !LOSABLE.has(card.status)) return html``;
  return html`<form class="usa-form" method="post" action="${SELF_PATH}/cards/${card.id}/lost">
<fieldset class="usa-fieldset"><legend class="usa-legend">Report this card</legend>
<div class="usa-radio"><input class="usa-radio__input" type="radio" id="lost-${card.id}" name="reason" value="lost" checked><label class="usa-radio__label" for="lost-${card.id}">Lost</label></div>
<div class="usa-radio"><input class="usa-radio__input" type="radio" id="stolen-${card.id}" name="reason" value="stolen"><label class="usa-radio__label" for="stolen-${card.id}">Stolen</label></div>
<button class="usa-button usa-button--secondary" type="submit" id="report-${card.id}">Report lost or stolen: suspend it now</button>
</fieldset></form>`;
}

function certificateRows(credential: CredentialDetail): Html {
  const rows = credential.certificates.map(
    (c) => html`<tr class="certificate" data-serial="${c.serial}"><td>${c.profile}</td><td><code>${c.serial}</code></td><td>${c.notAfter}</td><td class="ocsp">${ocspStatus(c)}</td></tr>\n`,
  );
  if (rows.length === 0) return html`<p>No certificate.</p>`;
  return html`<table class="usa-table usa-table--borderless"><caption>Certificates</caption>
<thead><tr><th scope="col">Profile</th><th scope="col">Serial</th><th scope="col">Valid until</th><th scope="col">OCSP status</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function credentialCard(credential: CredentialDetail): Html {
  return html`<section class="credential usa-summary-box" id="credential-${credential.id}" data-type="${credential.type}" aria-labelledby="title-${credential.id}">
<div class="usa-summary-box__body">
<h2 class="usa-summary-box__heading" id="title-${credential.id}">${credential.type} <span class="status">${credential.status}</span></h2>
<p>Reference <code>${credential.reference ?? '—'}</code>; issued ${credential.issuedAt ?? '—'}; expires ${credential.expiresAt ?? '—'}.</p>
${certificateRows(credential)}
${lostForm(credential)}
</div></section>`;
}

export function myCredentialsPage(credentials: readonly CredentialDetail[]): View {
  const list = credentials.length === 0 ? html`<p>You hold no credential.</p>` : credentials.map(credentialCard);
  return view(
    'My credentials',
    html`<p>Your PIV cards, Derived PIV credentials and their certificates, with the status muster's OCSP responder gives relying parties.</p>
<div id="credentials">${list}</div>
<ul class="usa-list">
<li><a class="usa-link" href="${SELF_PATH}/derived">Bind a Derived PIV credential</a></li>
<li><a class="usa-link" href="${SELF_PATH}/relying-parties">Relying parties that know you</a></li>
</ul>`,
  );
}

export interface BindingView {
  readonly challengeId: string;
  readonly webauthn: unknown;
}

export function bindDerivedPage(ceremony: BindingView): View {
  return view(
    'Bind a Derived PIV credential',
    html`<p>You signed in with your PIV card: you may bind a Derived PIV credential to it (NIST SP 800-157r1). It ends with the card.</p>
<h2>A passkey (FIDO2 security key or platform authenticator)</h2>
<form class="usa-form" id="fido2-form" method="post" action="${SELF_PATH}/derived/fido2" data-options="${JSON.stringify(ceremony.webauthn)}">
<input type="hidden" name="challengeId" value="${ceremony.challengeId}">
<input type="hidden" name="registration" value="">
<p id="fido2-status" role="status"></p>
<button class="usa-button" type="submit" id="bind-fido2">Register a passkey</button>
<p class="usa-hint">Registering a passkey needs JavaScript: the browser asks your authenticator.</p>
</form>
<h2>A PKI credential from your device</h2>
<form class="usa-form" method="post" action="${SELF_PATH}/derived/pki">
<input type="hidden" name="challengeId" value="${ceremony.challengeId}">
<label class="usa-label" for="csr">Certificate signing request (PEM, PKCS #10) made by your device</label>
<textarea class="usa-textarea" id="csr" name="csr" required></textarea>
<button class="usa-button" type="submit" id="bind-pki">Request the certificate</button>
</form>
<p><a class="usa-link" href="${SELF_PATH}">Back to my credentials</a></p>
<script src="${STATIC_PATH}/simplewebauthn-browser.js"></script>
<script src="${STATIC_PATH}/derived-fido2.js"></script>`,
  );
}

export function boundPage(bound: DerivedCredential): View {
  const certificate = bound.certificatePem ? html`<h2>Your certificate</h2><pre id="certificate">${bound.certificatePem}</pre>` : '';
  return view(
    'Derived PIV credential bound',
    html`<p id="message">A ${bound.type} credential is bound to your PIV card <code>${bound.pivSerial}</code>${bound.aal ? html` at ${bound.aal}` : ''}.</p>
${bound.notice ? html`<div class="usa-alert usa-alert--warning"><div class="usa-alert__body"><p class="usa-alert__text">${bound.notice}</p></div></div>` : ''}
${certificate}
<p><a class="usa-link" href="${SELF_PATH}">Back to my credentials</a></p>`,
  );
}

export interface RelyingPartyView extends RpSubject {
  /** The attributes it receives, by the agreement (and the consent remembered, if runtime consent). */
  readonly attributes: readonly string[];
  readonly consent: 'allowlisted' | 'given' | 'none';
  readonly name: string;
}

export function relyingPartiesPage(parties: readonly RelyingPartyView[]): View {
  const rows = parties.map(
    (rp) =>
      html`<tr class="relying-party" data-client="${rp.clientId}"><th scope="row">${rp.name}</th><td>${rp.attributes.join(', ') || 'the PIV federation claims only'}</td><td>${rp.lastUsedAt?.toISOString() ?? '—'}</td><td>${
        rp.consent === 'given'
          ? html`<form method="post" action="${SELF_PATH}/relying-parties/${rp.clientId}/withdraw"><button class="usa-button usa-button--unstyled" type="submit" id="withdraw-${rp.clientId}">Withdraw consent</button></form>`
          : rp.consent === 'allowlisted'
            ? 'released by agency agreement'
            : 'not given'
      }</td></tr>\n`,
  );
  return view(
    'Relying parties that know you',
    html`<table class="usa-table" id="relying-parties"><thead><tr><th scope="col">Relying party</th><th scope="col">What it receives</th><th scope="col">Last sign-in</th><th scope="col">Consent</th></tr></thead>
<tbody>${rows}</tbody></table>
<p><a class="usa-link" href="${SELF_PATH}">Back to my credentials</a></p>`,
  );
}

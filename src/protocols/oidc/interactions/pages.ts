import type { Aal } from '../../../core/federation/profile.ts';
import type { ConsentedAttribute } from './consent-record.ts';
import { esc, page } from './html.ts';

/** What the pages say about the relying party, from its trust agreement. */
export interface RelyingPartyView {
  readonly name: string;
  readonly agreementName: string;
  readonly attributes: readonly ConsentedAttribute[];
  readonly requiredAal: Aal;
}

const ATTRIBUTE_LABELS: Record<string, string> = {
  name: 'Full name', given_name: 'Given name', family_name: 'Family name', email: 'Email address', phone_number: 'Telephone number',
  address: 'Postal address', x509_certificate_id: 'PIV certificate identifier',
};

function attributeList(attributes: readonly ConsentedAttribute[]): string {
  const always = '<li><strong>Federated identifier, home agency, organizational affiliation, last-updated time</strong> — required for every PIV federation sign-in (SP 800-217)</li>';
  const items = attributes.map((a) => `<li><strong>${esc(ATTRIBUTE_LABELS[a.name] ?? a.name)}</strong> — ${esc(a.purpose)}</li>`).join('\n');
  return `<ul class="attributes">\n${always}\n${items}\n</ul>`;
}

function relyingParty(rp: RelyingPartyView): string {
  return `<p><strong>${esc(rp.name)}</strong> asks you to sign in, under the trust agreement “${esc(rp.agreementName)}”. It will receive:</p>\n${attributeList(rp.attributes)}`;
}

/** The sign-in choices: a PIV card or PKI-based Derived PIV certificate on the mutual-TLS address, or a FIDO2 Derived PIV security key. */
export function loginPage(uid: string, rp: RelyingPartyView, pivUrl: string, notice?: string): string {
  const base = `/oidc/interaction/${encodeURIComponent(uid)}`;
  const aal3 = rp.requiredAal === 'aal3' ? '<p class="note">This service requires AAL3: a PIV card, or a hardware-backed Derived PIV credential.</p>' : '';
  const body = `${notice ? `<p class="notice">${esc(notice)}</p>\n` : ''}${relyingParty(rp)}
${aal3}
<section>
<h2>Choose how to sign in</h2>
<p><a class="button" id="piv" href="${esc(pivUrl)}">PIV card or PKI-based Derived PIV (certificate)</a></p>
<p><button type="button" id="webauthn" data-options="${esc(`${base}/webauthn/options`)}" data-submit="${esc(`${base}/webauthn`)}">FIDO2 Derived PIV (security key)</button></p>
<p id="status" role="status" aria-live="polite"></p>
</section>
<form method="post" action="${esc(`${base}/abort`)}"><button type="submit" class="secondary">Cancel and return</button></form>`;
  return page('Sign in with your PIV credential', body, { script: true });
}

/** Runtime consent: each attribute with its purpose; accepting remembers it until the agreement's attributes change. */
export function consentPage(uid: string, rp: RelyingPartyView, changed: boolean): string {
  const action = `/oidc/interaction/${encodeURIComponent(uid)}/consent`;
  const why = changed ? '<p class="notice">What this service receives has changed since you last agreed.</p>\n' : '';
  const body = `${why}${relyingParty(rp)}
<form method="post" action="${esc(action)}">
<button type="submit" name="decision" value="accept">Allow</button>
<button type="submit" name="decision" value="decline" class="secondary">Do not allow</button>
</form>`;
  return page('Allow this service to receive your information?', body);
}

/** A refused or failed step: what happened in plain words, and where to go from here. */
export function refusalPage(message: string, retryUrl?: string): string {
  const retry = retryUrl ? `<p><a class="button" href="${esc(retryUrl)}">Back to the sign-in choices</a></p>` : '<p>Return to the service you came from and start again.</p>';
  return page('Sign-in refused', `<p class="error">${esc(message)}</p>\n${retry}`);
}

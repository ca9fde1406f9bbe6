// PIV federation in a real browser: headless Chromium signs demo people in to the reference relying party through
// muster's OpenID Provider with each kind of PIV credential — the software PIV card and a PKI-based Derived PIV
// credential, their certificates presented by Playwright to muster's mutual-TLS origin, and a FIDO2 Derived PIV
// credential held by Chromium's virtual authenticator — and then through Apache with mod_auth_openidc. Each
// assertion the RP accepted carries every element SP 800-217 §6.2 asks for, and the RP keys its account on the
// pairwise subject.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ACR, type Aal, type CredentialType } from '../../src/core/federation/profile.ts';
import { DERIVED_FIDO2 } from '../../src/credentials/types.ts';
import { pairwiseSubject, sectorOf } from '../../src/federation/subjects.ts';
import type { RegistrationResponseJSON } from '../../src/credentials/derived/webauthn/index.ts';
import { apacheSkip, readEcho, startApacheRp } from '../support/apache.ts';
import { addVirtualAuthenticator, chromiumSkip, launchChromium, newContextWithClientCertificate } from '../support/chromium.ts';
import { type CertificateCredential, type FederatedMuster, bindDerivedPki, issueSoftwarePivCard, registerRelyingParty, startFederatedMuster, startFido2Binding } from '../support/federation.ts';
import { HOME_AGENCY, type RunningReferenceRp, startReferenceRp } from '../support/federation-peers.ts';

/** The WebAuthn API of the page, as far as an enrolment page uses it. */
interface WebAuthnWindow {
  readonly navigator: { readonly credentials: { create(options: unknown): Promise<{ toJSON(): unknown }> } };
  readonly PublicKeyCredential: { parseCreationOptionsFromJSON(options: unknown): unknown };
}

/** navigator.credentials.create in the page, as an enrolment page would call it, with the options muster made. */
async function createCredential(options: unknown): Promise<unknown> {
  const window = globalThis as unknown as WebAuthnWindow;
  const credential = await window.navigator.credentials.create({ publicKey: window.PublicKeyCredential.parseCreationOptionsFromJSON(options) });
  return credential.toJSON();
}

/** The reference RP's pairwise sector: the RP itself (it names no sector identifier URI). */
const RP_SECTOR = sectorOf('reference-rp');

describe('PIV federation sign-in in Chromium', { skip: chromiumSkip() }, () => {
  let fm: FederatedMuster;
  let rp: RunningReferenceRp;
  let browser: Browser;
  const cards: Record<string, CertificateCredential> = {};
  const contexts: BrowserContext[] = [];

  before(async () => {
    fm = await startFederatedMuster();
    for (const person of ['E1', 'E2', 'E3']) cards[person] = await issueSoftwarePivCard(fm, person);
    rp = await startReferenceRp(fm, { clientId: 'reference-rp', agreementId: 'reference-rp', terms: { consent: 'runtime' } });
    browser = await launchChromium();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await rp?.close();
    await fm?.close();
  });

  async function certificateContext(credential: CertificateCredential): Promise<Page> {
    const context = await newContextWithClientCertificate(browser, { origin: fm.mtlsOrigin, pfx: credential.pfx, passphrase: credential.passphrase });
    contexts.push(context);
    return context.newPage();
  }

  /** From muster's sign-in page on: allows the release when muster asks, and waits to arrive where `done` says. */
  async function throughConsent(page: Page, done: (url: URL) => boolean): Promise<void> {
    const allow = page.locator('button[name="decision"][value="accept"]');
    const arrived = page.waitForURL(done);
    const asked = allow.waitFor();
    await Promise.race([arrived, asked]);
    arrived.catch(() => {});
    asked.catch(() => {});
    if (done(new URL(page.url()))) return;
    await allow.click();
    await page.waitForURL(done);
  }

  async function signInWithCertificate(page: Page, start: string, done: (url: URL) => boolean): Promise<void> {
    await page.goto(start);
    await page.waitForURL((url) => url.href.startsWith(`${fm.issuer}/interaction/`));
    await page.click('#piv');
    await throughConsent(page, done);
  }

  const atRp = (url: URL) => url.href === `${rp.url}/`;

  /** The RP's page shows the account keyed by the pairwise subject; the assertion it accepted has every element. */
  async function assertSignedIn(page: Page, person: string, credentialType: CredentialType, aal: Aal): Promise<void> {
    const identityId = fm.ids[person] as string;
    const sub = await page.locator('#sub').textContent();
    assert.equal(await page.locator('#iss').textContent(), fm.issuer);
    const expected = await pairwiseSubject(fm.muster.store, identityId, RP_SECTOR, fm.muster.clock.now());
    assert.equal(sub, expected, 'the RP knows the person by the pairwise subject of its sector');
    assert.notEqual(sub, identityId);
    const account = (await rp.rp.accounts.list()).find((a) => a.identifiers.some((i) => i.sub === sub));
    assert.deepEqual(account?.identifiers, [{ iss: fm.issuer, sub }]);
    assert.equal(account?.state, 'active');
    assert.equal(account?.homeAgency, HOME_AGENCY);
    const claims = rp.idTokens.findLast((c) => c.sub === sub);
    assert.ok(claims, 'the RP received an ID token for this subject');
    assertPivAssertion(claims, credentialType, aal);
  }

  function assertPivAssertion(claims: Record<string, unknown>, credentialType: CredentialType, aal: Aal): void {
    assert.equal(claims.iss, fm.issuer);
    assert.equal(claims.piv_federation, true);
    assert.equal(claims.piv_home_agency, HOME_AGENCY);
    assert.ok(Array.isArray(claims.piv_org_affiliation) && claims.piv_org_affiliation.includes(HOME_AGENCY), JSON.stringify(claims.piv_org_affiliation));
    assert.equal(claims.ial, 'ial3');
    assert.equal(claims.aal, aal);
    assert.equal(claims.fal, 'fal2');
    assert.equal(claims.piv_credential_type, credentialType);
    assert.equal(typeof claims.updated_at, 'number');
    assert.equal(typeof claims.auth_time, 'number');
    assert.equal(claims.acr, ACR[aal]);
    assert.ok(Array.isArray(claims.amr) && claims.amr.length > 0, JSON.stringify(claims.amr));
    assert.equal(claims.email, undefined, 'no stable attributes in the assertion');
  }

  async function lastLoginOf(person: string): Promise<{ credential_type: string; aal: string } | undefined> {
    const [row] = await fm.muster.store.query<{ credential_type: string; aal: string }>('SELECT credential_type, aal FROM oidc_logins WHERE identity_id = $1 ORDER BY auth_time DESC LIMIT 1', [
      fm.ids[person],
    ]);
    return row;
  }

  test("(a) the software PIV card: Playwright presents its certificate on the PIV link of muster's sign-in page", async () => {
    const page = await certificateContext(cards.E1!);
    await signInWithCertificate(page, `${rp.url}/login`, atRp);
    await assertSignedIn(page, 'E1', 'piv_card', 'aal3');
    assert.ok((rp.idTokens.at(-1)?.amr as string[] | undefined)?.includes('sc'));
    assert.deepEqual(await lastLoginOf('E1'), { credential_type: 'piv_card', aal: 'aal3' });
    const consents = await fm.muster.store.query<{ data: { basis: string; client_id: string } }>(`SELECT data FROM audit_log WHERE action = 'oidc.consent' AND target = $1`, [fm.ids.E1]);
    assert.deepEqual(
      consents.map((c) => [c.data.client_id, c.data.basis]),
      [['reference-rp', 'given']],
      'the release was allowed on the consent page',
    );
  });

  test('(b) a PKI-based Derived PIV credential (hardware-backed key): its certificate signs in', async () => {
    const derived = await bindDerivedPki(fm, cards.E2!, true);
    const page = await certificateContext(derived);
    await signInWithCertificate(page, `${rp.url}/login`, atRp);
    await assertSignedIn(page, 'E2', 'derived_pki', 'aal3');
    assert.deepEqual(await lastLoginOf('E2'), { credential_type: 'derived_pki', aal: 'aal3' });
  });

  test('(c) a FIDO2 Derived PIV credential: bound with the virtual authenticator, then used on the sign-in page', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${fm.issuer}/.well-known/openid-configuration`);
    const authenticator = await addVirtualAuthenticator(page);
    const binding = await startFido2Binding(fm, cards.E3!);
    const registration = (await page.evaluate(createCredential, binding.options)) as RegistrationResponseJSON;
    const bound = await binding.finish(registration);
    assert.equal(bound.type, DERIVED_FIDO2);
    assert.equal((await authenticator.credentials()).length, 1);
    await page.goto(`${rp.url}/login`);
    await page.waitForURL((url) => url.href.startsWith(`${fm.issuer}/interaction/`));
    await page.click('#webauthn');
    await throughConsent(page, atRp);
    await assertSignedIn(page, 'E3', 'derived_non_pki', 'aal2');
    assert.deepEqual(await lastLoginOf('E3'), { credential_type: 'derived_non_pki', aal: 'aal2' });
  });

  describe('through Apache with mod_auth_openidc', { skip: apacheSkip() }, () => {
    test('the PIV card signs in; the protected page echoes the PIV federation claims', async () => {
      const apache = await startApacheRp({ issuer: fm.issuer, clientId: 'apache-rp', kid: 'apache-rp-key', scope: 'openid', authRequestParams: { max_age: 3600 } });
      try {
        await registerRelyingParty(
          fm,
          'apache-rp',
          {
            clientId: 'apache-rp',
            name: 'Apache RP',
            redirectUris: [apache.redirectUri],
            postLogoutRedirectUris: [`${apache.origin}/`],
            jwks: apache.jwks as unknown as { keys: Record<string, unknown>[] },
          },
          { consent: 'runtime', signals: [] },
        );
        const page = await certificateContext(cards.E1!);
        await signInWithCertificate(page, apache.url, (url) => url.href === apache.url);
        const echo = readEcho(await page.locator('body').innerText());
        const expected = await pairwiseSubject(fm.muster.store, fm.ids.E1 as string, sectorOf('apache-rp'), fm.muster.clock.now());
        assert.equal(echo.remoteUser, expected, `${JSON.stringify(echo.variables)}\n${await apache.errorLog()}`);
        assert.equal(echo.claims.iss, fm.issuer);
        assert.equal(echo.claims.aud, 'apache-rp');
        assert.equal(echo.claims.piv_home_agency, HOME_AGENCY);
        assert.equal(echo.claims.piv_credential_type, 'piv_card');
        assert.equal(echo.claims.ial, 'ial3');
        assert.equal(echo.claims.aal, 'aal3');
        assert.equal(echo.claims.fal, 'fal2');
        assert.equal(echo.claims.acr, ACR.aal3);
        assert.ok(
          echo.claims.piv_federation !== undefined && echo.claims.updated_at !== undefined && echo.claims.auth_time !== undefined && echo.claims.amr !== undefined,
          JSON.stringify(echo.claims),
        );
        assert.ok(echo.claims.piv_org_affiliation?.includes(HOME_AGENCY), echo.claims.piv_org_affiliation);
      } finally {
        await apache.close();
      }
    });
  });
});

// The cardholder's pages of the web console in a real browser. A person who is no operator signs in with a software
// PIV card and gets a cardholder session: their own credentials with the OCSP status, and no operator page. They
// bind a FIDO2 Derived PIV credential under Chromium's virtual authenticator (the holder binds after their own PIV
// authentication, SP 800-157r1) and sign in with it to the reference relying party, bind a PKI credential from a
// CSR, withdraw the consent they gave that relying party (which then signs them out on a SET); they report their card lost and the real OCSP responder
// answers its certificates revoked, on hold. axe-core checks every page visited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SIGNAL_EVENTS } from '../../src/core/federation/profile.ts';
import { keyAndCsr } from '../../src/credentials/test-fixtures.ts';
import { DERIVED_FIDO2 } from '../../src/credentials/types.ts';
import { testOperator } from '../../src/operators/test-operators.ts';
import { OCSP_REQUEST_MEDIA_TYPE } from '../../src/protocols/ocsp/index.ts';
import { read, requestFor } from '../../src/protocols/ocsp/test-fixtures.ts';
import { PKI_PATHS } from '../../src/runtime/pki.ts';
import { addVirtualAuthenticator, chromiumSkip, launchChromium, newContextWithClientCertificate } from '../support/chromium.ts';
import { type CertificateCredential, type FederatedMuster, issueSoftwarePivCard, startFederatedMuster } from '../support/federation.ts';
import { type RunningReferenceRp, startReferenceRp } from '../support/federation-peers.ts';
import { waitUntil } from '../support/wait.ts';

describe('the cardholder pages of the console in Chromium', { skip: chromiumSkip() }, () => {
  let fm: FederatedMuster;
  let rp: RunningReferenceRp;
  let browser: Browser;
  const cards: Record<string, CertificateCredential> = {};
  const contexts: BrowserContext[] = [];

  before(async () => {
    fm = await startFederatedMuster({ console: true });
    for (const person of ['E1', 'E3']) cards[person] = await issueSoftwarePivCard(fm, person);
    await testOperator(fm.muster, ['security-officer'], { identityId: fm.ids.E1 as string });
    rp = await startReferenceRp(fm, { clientId: 'reference-rp', agreementId: 'reference-rp', terms: { consent: 'runtime' } });
    browser = await launchChromium();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await rp?.close();
    await fm?.close();
  });

  async function cardholder(person: string): Promise<Page> {
    const card = cards[person] as CertificateCredential;
    const context = await newContextWithClientCertificate(browser, { origin: fm.mtlsOrigin, pfx: card.pfx, passphrase: card.passphrase });
    contexts.push(context);
    return context.newPage();
  }

  const console = () => `${fm.base}/console`;

  async function arrive(page: Page, done: (url: URL) => boolean, what: string): Promise<void> {
    try {
      await page.waitForURL(done, { timeout: 15_000 });
    } catch (error) {
      throw new Error(`never arrived ${what}: at ${page.url()}: ${await page.locator('body').textContent()}; muster reported ${fm.errors.map(String).join('; ') || 'nothing'}`, { cause: error });
    }
  }

  async function accessible(page: Page): Promise<void> {
    const { violations } = await new AxeBuilder({ page }).analyze();
    assert.deepEqual(
      violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      [],
      `axe on ${page.url()}`,
    );
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(console());
    await arrive(page, (url) => url.href.startsWith(`${fm.issuer}/interaction/`), "at muster's sign-in page");
    await page.click('#piv');
    await arrive(page, (url) => url.href === console(), 'back at the console');
  }

  async function auditOf(action: string): Promise<{ actor: string; target: string | null; data: Record<string, unknown> }[]> {
    return fm.muster.store.query('SELECT actor, target, data FROM audit_log WHERE action = $1 ORDER BY seq', [action]);
  }

  /** The answer of muster's OCSP responder (the one `muster serve` runs) for a serial: `good` or `revoked:<reason>`. */
  async function ocsp(serial: string): Promise<string> {
    const ca = await fm.muster.ca();
    const response = await fetch(`${fm.base}${PKI_PATHS.ocsp}`, { method: 'POST', headers: { 'content-type': OCSP_REQUEST_MEDIA_TYPE }, body: requestFor(ca.issuing, serial) });
    assert.equal(response.status, 200);
    const { certStatus, single } = read(new Uint8Array(await response.arrayBuffer()));
    return certStatus === 'revoked' ? `revoked:${single?.certStatus.revoked?.revocationReason ?? '-'}` : String(certStatus);
  }

  let e3: Page;

  test('a cardholder who is no operator gets a cardholder session: their credentials, no operator page', async () => {
    e3 = await cardholder('E3');
    await signIn(e3);
    assert.equal(await e3.locator('#identity').textContent(), fm.ids.E3);
    assert.equal(await e3.locator('#self').count(), 1);
    await accessible(e3);
    const started = (await auditOf('console.session.started')).filter((e) => e.actor === `operator:${fm.ids.E3}`);
    assert.equal(started.at(-1)?.data.kind, 'self');
    await e3.click('#my-credentials');
    await arrive(e3, (url) => url.pathname === '/console/me', 'at my credentials');
    const card = e3.locator('.credential[data-type="piv_card"]');
    assert.equal(await card.count(), 1);
    assert.deepEqual(await card.locator('.ocsp').allTextContents(), ['good', 'good']);
    await accessible(e3);
    for (const path of ['/holds', '/imports', '/disputes']) assert.equal((await e3.goto(`${console()}${path}`))?.status(), 403, path);
  });

  test('the cardholder binds a FIDO2 passkey after their PIV sign-in, then signs in with it to a relying party', async () => {
    const authenticator = await addVirtualAuthenticator(e3);
    await e3.goto(`${console()}/me/derived`);
    await accessible(e3);
    await e3.click('#bind-fido2');
    await arrive(e3, (url) => url.pathname === '/console/me/derived/fido2', 'at the bound page');
    assert.match((await e3.locator('#message').textContent()) ?? '', /derived_piv_fido2 credential is bound/);
    await accessible(e3);
    const [bound] = await fm.muster.store.query<{ type: string; details: { bound_by: string; piv_proof: string } }>('SELECT type, details FROM credentials WHERE identity_id = $1 AND type = $2', [
      fm.ids.E3,
      DERIVED_FIDO2,
    ]);
    assert.equal(bound?.details.bound_by, `operator:${fm.ids.E3}`, 'the holder bound it');
    assert.equal(bound?.details.piv_proof, 'holder-piv-session');
    // a browser with only the passkey (no PIV card) signs in to the relying party with it
    const [passkey] = await authenticator.credentials();
    assert.ok(passkey);
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${fm.issuer}/.well-known/openid-configuration`);
    await (await addVirtualAuthenticator(page)).addCredential(passkey);
    await page.goto(`${rp.url}/login`);
    await arrive(page, (url) => url.href.startsWith(`${fm.issuer}/interaction/`), "at muster's sign-in page");
    await page.click('#webauthn');
    const allow = page.locator('button[name="decision"][value="accept"]');
    await allow.waitFor({ timeout: 15_000 });
    await allow.click();
    await arrive(page, (url) => url.href === `${rp.url}/`, 'at the relying party');
    assert.equal(rp.idTokens.at(-1)?.piv_credential_type, 'derived_non_pki');
  });

  test('the cardholder binds a PKI credential from their device CSR and gets its certificate', async () => {
    const { csr } = await keyAndCsr(fm.dir, 'e3-device');
    await e3.goto(`${console()}/me/derived`);
    await e3.fill('#csr', csr);
    await e3.click('#bind-pki');
    await arrive(e3, (url) => url.pathname === '/console/me/derived/pki', 'at the bound page');
    assert.match((await e3.locator('#message').textContent()) ?? '', /derived_piv_pki credential is bound/);
    assert.match((await e3.locator('#certificate').textContent()) ?? '', /BEGIN CERTIFICATE/);
    await accessible(e3);
    // the challenge of a page is used once: the same form sent again is refused, and audited
    await e3.goBack();
    await e3.fill('#csr', csr);
    await e3.click('#bind-pki');
    assert.equal(await e3.locator('h1').textContent(), 'Refused');
    assert.ok((await auditOf('derived.refused')).some((e) => e.actor === `operator:${fm.ids.E3}`));
  });

  test('the cardholder sees the relying party that knows them and what it receives, and withdraws their consent: the RP signs them out', async () => {
    const [subject] = await fm.muster.store.query<{ sub: string }>(`SELECT sub FROM federation_rp_subjects WHERE identity_id = $1 AND client_id = 'reference-rp'`, [fm.ids.E3]);
    const account = (await rp.rp.accounts.list()).find((a) => a.identifiers.some((i) => i.sub === subject?.sub));
    // binding the PKI credential ended the session there (credential-change): sign in there again with the card
    const there = await cardholder('E3');
    await there.goto(`${rp.url}/login`);
    await arrive(there, (url) => url.href.startsWith(`${fm.issuer}/interaction/`), "at muster's sign-in page");
    await there.click('#piv');
    await arrive(there, (url) => url.href === `${rp.url}/`, 'at the relying party');
    assert.equal(rp.rp.sessions.forAccount(account?.id ?? '').length, 1, 'signed in at the relying party');
    await e3.goto(`${console()}/me/relying-parties`);
    await accessible(e3);
    const row = e3.locator('#relying-parties .relying-party[data-client="reference-rp"]');
    assert.equal(await row.count(), 1);
    await row.locator('#withdraw-reference-rp').click();
    assert.equal(await e3.locator('h1').textContent(), 'Consent withdrawn');
    await accessible(e3);
    const consents = await fm.muster.store.query('SELECT client_id FROM federation_consents WHERE identity_id = $1', [fm.ids.E3]);
    assert.deepEqual(consents, []);
    const withdrawn = (await auditOf('oidc.consent.withdrawn')).filter((e) => e.target === fm.ids.E3);
    assert.deepEqual(
      withdrawn.map((e) => [e.actor, e.data.client_id]),
      [[`operator:${fm.ids.E3}`, 'reference-rp']],
    );
    await e3.goto(`${console()}/me/relying-parties`);
    assert.equal(await e3.locator('#withdraw-reference-rp').count(), 0, 'nothing left to withdraw');
    await waitUntil('the relying party to end the session on the SET', async () => (rp.rp.sessions.forAccount(account?.id ?? '').length === 0 ? true : undefined), { timeoutMs: 20_000 });
    const told = rp.sets.filter((set) => set.status === 202).map((set) => decodeJwt(set.body));
    assert.ok(
      told.some((set) => (set.sub_id as { sub?: string }).sub === subject?.sub && SIGNAL_EVENTS['session-revoked'] in (set.events as object)),
      'a session-revoked SET reached the relying party',
    );
    assert.equal((await rp.rp.accounts.list()).find((a) => a.id === account?.id)?.state, 'active', 'the account stays');
  });

  test('a card reported lost is suspended at once: OCSP answers its certificates revoked, on hold', async () => {
    await e3.goto(`${console()}/me`);
    const card = e3.locator('.credential[data-type="piv_card"]');
    const serials = await card.locator('.certificate').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-serial') as string));
    for (const serial of serials) assert.equal(await ocsp(serial), 'good');
    // a report names only one's own card: the same form aimed at another person's card is refused, and changes nothing
    const [other] = await fm.muster.store.query<{ id: string }>(`SELECT id FROM credentials WHERE identity_id = $1 AND type = 'piv_card'`, [fm.ids.E1]);
    await card.locator('form[action$="/lost"]').evaluate((form, id) => form.setAttribute('action', `/console/me/cards/${id}/lost`), other?.id as string);
    await card.locator('button[id^="report-"]').click();
    assert.equal(await e3.locator('h1').textContent(), 'Refused');
    const [untouched] = await fm.muster.store.query<{ status: string }>('SELECT status FROM credentials WHERE id = $1', [other?.id]);
    assert.equal(untouched?.status, 'active');
    await e3.goto(`${console()}/me`);
    await card.locator('button[id^="report-"]').click();
    await arrive(e3, (url) => url.pathname.endsWith('/lost'), 'at the suspended page');
    assert.equal(await e3.locator('h1').textContent(), 'Card suspended');
    await accessible(e3);
    await e3.goto(`${console()}/me`);
    assert.equal(await card.locator('.status').textContent(), 'suspended');
    assert.deepEqual(
      await card.locator('.ocsp').allTextContents(),
      serials.map(() => 'revoked: on hold (certificateHold)'),
    );
    await waitUntil('OCSP answers revoked, on hold', async () => {
      const answers = await Promise.all(serials.map((serial) => ocsp(serial)));
      return answers.every((a) => /^revoked:(certificateHold|6)$/.test(a)) ? true : undefined;
    });
    // the agency's rule (credentials.cascadeToDerived, on by default): the Derived PIV credentials bound to the card are held with it
    const derived = await fm.muster.store.query<{ type: string; status: string }>(`SELECT type, status FROM credentials WHERE identity_id = $1 AND type <> 'piv_card' ORDER BY type`, [fm.ids.E3]);
    assert.deepEqual(
      derived.map((d) => [d.type, d.status]),
      [
        ['derived_piv_fido2', 'suspended'],
        ['derived_piv_pki', 'suspended'],
      ],
    );
    assert.deepEqual(await e3.locator('.credential[data-type^="derived"] .status').allTextContents(), ['suspended', 'suspended']);
    const suspended = (await auditOf('credential.suspended')).filter((e) => e.actor === `operator:${fm.ids.E3}`);
    assert.ok(suspended.length >= 1, 'the suspension names the cardholder');
  });

  test('an operator signed in with their card opens their own pages too', async () => {
    const e1 = await cardholder('E1');
    await signIn(e1);
    assert.deepEqual(await e1.locator('#roles .role').allTextContents(), ['security-officer']);
    assert.equal((await e1.goto(`${console()}/me`))?.status(), 200);
    assert.equal(await e1.locator('.credential[data-type="piv_card"]').count(), 1);
  });
});

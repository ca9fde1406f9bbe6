// The operator console in a real browser: headless Chromium signs in operators with software PIV cards and walks
// the pages: the dashboard with its charts drawn from the store, a leaver's page with the causal thread down to the
// directory (a real slapd) and the revoked certificates, the account read live from the directory through htmx, the
// audit log verified, targets and queues, a trust agreement's diff. axe-core checks every page visited; an operator
// without a page's role sees no link to it and gets 403; the keyboard reaches the skip link and the navigation first.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { testOperator } from '../../src/operators/test-operators.ts';
import { chromiumSkip, launchChromium } from '../support/chromium.ts';
import { type ConsoleBrowser, consoleBrowser } from '../support/console-browser.ts';
import { type CertificateCredential, type FederatedMuster, issueSoftwarePivCard, registerRelyingParty, rpKeyPair, startFederatedMuster } from '../support/federation.ts';
import { type SlapdInstance, slapdSkip, startSlapd } from '../support/slapd.ts';
import { waitUntil } from '../support/wait.ts';

const POLICIES = {
  staff: {
    kind: 'birthright',
    description: 'a directory account for every person',
    when: [{ attribute: 'kind', in: ['person'] }],
    grants: [{ target: 'directory', groups: [{ name: 'staff' }] }],
  },
};

describe('the operator console in Chromium', { skip: chromiumSkip() || slapdSkip() }, () => {
  let slapd: SlapdInstance;
  let fm: FederatedMuster;
  let browser: Browser;
  const cards: Record<string, CertificateCredential> = {};
  let cb: ConsoleBrowser;

  before(async () => {
    slapd = await startSlapd();
    fm = await startFederatedMuster({ console: true, policies: POLICIES, targets: { directory: { kind: 'ldap', ...slapd.options, accountKey: ['employee_id'] } } });
    for (const person of ['E1', 'E2', 'E3']) cards[person] = await issueSoftwarePivCard(fm, person);
    await testOperator(fm.muster, ['auditor', 'security-officer', 'provisioning-admin'], { identityId: fm.ids.E1 as string });
    await testOperator(fm.muster, ['issuer'], { identityId: fm.ids.E2 as string });
    const rp = { clientId: 'benefits-portal', name: 'Benefits', redirectUris: ['https://benefits.example/cb'], jwks: { keys: [rpKeyPair('b1').publicJwk] } };
    await registerRelyingParty(fm, 'benefits', rp);
    await registerRelyingParty(fm, 'benefits', rp, { moreAttributes: [{ name: 'phone_number', purpose: 'to call you back' }] });
    await waitUntil('every directory account is made', async () => (await fm.muster.store.query("SELECT 1 FROM provisioning_ops WHERE status <> 'done'")).length === 0);
    await fm.hrSnapshot({ E3: 'terminated' });
    await waitUntil('the leaver is carried out in the directory', async () => {
      const open = await fm.muster.store.query("SELECT 1 FROM provisioning_ops WHERE status <> 'done'");
      const revoked = await fm.muster.store.query("SELECT 1 FROM certificates WHERE identity_id = $1 AND status = 'revoked'", [fm.ids.E3]);
      return open.length === 0 && revoked.length > 0;
    });
    browser = await launchChromium();
    cb = consoleBrowser(fm, browser);
  });

  after(async () => {
    await cb?.close();
    await browser?.close();
    await fm?.close();
    await slapd?.stop();
  });

  const consoleUrl = (path = '') => `${fm.base}/console${path}`;

  // signed in when a test needs the person, each in a browser context of their own
  const signedIn = (person: string) => cb.signIn(cards[person] as CertificateCredential);
  const accessible = (page: Page) => cb.accessible(page);

  const navLabels = (page: Page) => page.locator('#console-nav a').allTextContents();

  let e1: Page;

  test('the dashboard counts what needs a person and draws its charts from the store', async () => {
    e1 = await signedIn('E1');
    assert.equal(await e1.locator('h1').textContent(), 'Dashboard');
    assert.equal(await e1.locator('#operator-name').textContent(), 'Jane Doe');
    assert.deepEqual(await navLabels(e1), [
      'Dashboard',
      'People',
      'Targets and queues',
      'Audit log',
      'Trust agreements',
      'Two-person actions',
      'Credential exceptions',
      'Holds',
      'My credentials',
      'My relying parties',
      'Imports',
      'Disputes',
      'Access requests',
      'Approvals',
      'Campaigns',
      'Review',
      'Card issuance',
    ]);
    for (const id of ['dead-letters', 'failing-targets', 'pending-actions', 'expiring-exceptions', 'active-holds']) assert.equal(await e1.locator(`#attention #${id} .attention-count`).count(), 1, id);
    assert.ok((await e1.locator('#chart-jml circle.point').count()) > 0, 'joiners, movers and leavers are drawn');
    const joiners = (await e1.locator('#chart-jml-table tbody tr > td:nth-of-type(1)').allTextContents()).map(Number);
    assert.equal(
      joiners.reduce((a, b) => a + b, 0),
      3,
      'the three people joined',
    );
    assert.ok((await e1.locator('#chart-leaver-latency rect.bar').count()) >= 2, 'leaver latency has p50 and p99 bars');
    assert.ok((await e1.locator('#chart-leaver-latency-table th[scope=row]').allTextContents()).includes('target:directory'));
    assert.ok((await e1.locator('#chart-coverage rect.bar').count()) > 0);
    assert.ok((await e1.locator('#chart-provisioning-lag-table th[scope=row]').allTextContents()).includes('directory'));
    await accessible(e1);
  });

  test('the keyboard reaches the skip link first, then the navigation; the skip link moves to the page', async () => {
    await e1.goto(consoleUrl());
    await e1.keyboard.press('Tab');
    assert.equal(await e1.locator('a.usa-skipnav:focus').count(), 1, 'the first Tab reaches the skip link');
    await e1.keyboard.press('Enter');
    assert.equal(await e1.locator('main#main-content:focus').count(), 1, 'the skip link moves the focus to the page');
    await e1.goto(consoleUrl());
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await e1.keyboard.press('Tab');
      const inNav = e1.locator('#console-nav a:focus');
      reached.push((await inNav.count()) ? `nav:${await inNav.textContent()}` : 'elsewhere');
    }
    assert.ok(reached.includes('nav:Dashboard') && reached.includes('nav:People'), `tabbing reached ${reached.join(', ')}`);
  });

  test("a leaver's page shows the causal thread to the directory and the revoked certificates, and reads the account live", async () => {
    await e1.goto(consoleUrl('/identities'));
    await accessible(e1);
    await e1.fill('#search-q', 'Lopez');
    await e1.click('form[role=search] button');
    await e1.locator('#people a', { hasText: 'Ana Lopez' }).waitFor();
    await e1.click('#people a:has-text("Ana Lopez")');
    await e1.waitForURL(consoleUrl(`/identities/${fm.ids.E3}`));
    assert.equal(await e1.locator('#person-status').textContent(), 'terminated');
    const leaver = e1.locator('.trace-event', { hasText: 'identity.leaver' }).first();
    assert.ok((await leaver.locator('.trace-operation', { hasText: 'directory' }).count()) > 0, 'the thread reaches the directory');
    assert.match((await e1.locator('#timeline').textContent()) ?? '', /revoked/);
    assert.ok((await e1.locator('.ocsp-status', { hasText: 'revoked' }).count()) > 0, 'the card certificates answer revoked');
    await e1.click('#accounts-table .live-read');
    const live = e1.locator('#accounts-table .live-state');
    await live.waitFor();
    assert.match((await live.textContent()) ?? '', /disabled in directory/);
    assert.equal(new URL(e1.url()).pathname, `/console/identities/${fm.ids.E3}`, 'htmx swapped the answer into the page');
    await accessible(e1);
  });

  test('the audit log is searched, verified in place and exported', async () => {
    await e1.goto(consoleUrl('/audit?action=console.session.started'));
    assert.ok((await e1.locator('#audit-entries tbody tr').count()) >= 1);
    await e1.click('#verify');
    await e1.locator('#verify-outcome').waitFor();
    assert.equal(await e1.locator('#verify-outcome').getAttribute('data-ok'), 'true');
    assert.match((await e1.locator('#verify-outcome').textContent()) ?? '', /The chain is intact/);
    await accessible(e1);
    const exported = await e1.request.get(consoleUrl('/audit/export?action=console.session.started'));
    assert.equal(exported.status(), 200);
    assert.match(exported.headers()['content-type'] ?? '', /ndjson/);
    const lines = (await exported.text()).trim().split('\n');
    assert.ok(lines.length >= 1);
    for (const line of lines) assert.match(line, /console\.session\.started/);
    const audited = await fm.muster.store.query<{ actor: string }>("SELECT actor FROM audit_log WHERE action = 'audit.exported'");
    assert.deepEqual(
      audited.map((r) => r.actor),
      [`operator:${fm.ids.E1}`],
    );
  });

  test('targets and queues show the directory; a trust agreement shows what changed between versions', async () => {
    await e1.goto(consoleUrl('/targets'));
    assert.ok((await e1.locator('#queues th[scope=row]').allTextContents()).includes('directory'));
    await accessible(e1);
    await e1.goto(consoleUrl('/agreements'));
    await e1.click('#agreements a:has-text("Benefits agreement")');
    await e1.waitForURL(consoleUrl('/agreements/benefits'));
    const added = e1.locator('#agreement-diff tbody tr', { hasText: 'attributes[2].name' });
    assert.match((await added.textContent()) ?? '', /added.*"phone_number"/s);
    await accessible(e1);
  });

  let e2: Page;

  test('an operator sees only the pages their roles open, and is refused the others', async () => {
    e2 = await signedIn('E2');
    assert.deepEqual(
      await navLabels(e2),
      ['Dashboard', 'People', 'Credential exceptions', 'My credentials', 'My relying parties', 'Access requests', 'Approvals', 'Card issuance'],
      "every signed-in person's own pages too",
    );
    assert.equal(await e2.locator('#chart-provisioning-lag').count(), 0, 'no lag chart for an issuer');
    for (const path of ['/audit', '/targets', '/agreements', '/holds']) {
      const answer = await e2.goto(consoleUrl(path));
      assert.equal(answer?.status(), 403, path);
    }
    await accessible(e2);
    await e2.goto(consoleUrl(`/identities/${fm.ids.E1}`));
    assert.equal(await e2.locator('#place-hold').count(), 0, 'an issuer may not place holds');
    assert.equal(await e2.locator('#timeline').count(), 0, 'nor read the trace');
    assert.ok((await e2.locator('form[action$="/suspend"]').count()) > 0, 'but may suspend a card');
    await accessible(e2);
  });

  test("an issuer suspends a card from its holder's page; muster's OCSP status follows", async () => {
    await e2.goto(consoleUrl(`/identities/${fm.ids.E1}`));
    const card = e2.locator('.credential', { has: e2.locator('form[action$="/suspend"]') }).first();
    await card.locator('input[name=reason]').fill('left in a reader overnight');
    await card.locator('button[type=submit]').click();
    await e2.waitForURL((url) => url.pathname === `/console/identities/${fm.ids.E1}`);
    assert.match((await e2.locator(`#credential-${cards.E1?.credentialId} h3`).textContent()) ?? '', /suspended/);
    assert.match((await e2.locator(`#credential-${cards.E1?.credentialId} .ocsp-status`).first().textContent()) ?? '', /revoked \(certificateHold\)/);
    const suspended = await fm.muster.store.query<{ actor: string }>("SELECT actor FROM audit_log WHERE action = 'credential.suspended' AND target = $1", [fm.ids.E1]);
    assert.deepEqual(
      suspended.map((r) => r.actor),
      [`operator:${fm.ids.E2}`],
    );
  });

  test('a security officer places a hold from the person page, through the same service, audited as the operator', async () => {
    await e1.goto(consoleUrl(`/identities/${fm.ids.E2}`));
    await e1.fill('#hold-reason', 'badge reported lost');
    await e1.click('#place-hold button');
    await e1.waitForURL((url) => url.pathname === `/console/identities/${fm.ids.E2}`);
    assert.match((await e1.locator('#holds-table').textContent()) ?? '', /badge reported lost/);
    const placed = await fm.muster.store.query<{ actor: string }>("SELECT actor FROM audit_log WHERE action = 'identity.hold_placed' AND target = $1", [fm.ids.E2]);
    assert.deepEqual(
      placed.map((r) => r.actor),
      [`operator:${fm.ids.E1}`],
    );
  });
});

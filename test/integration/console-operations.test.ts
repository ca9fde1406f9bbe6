// The imports and disputes pages of the web console in a real browser, operators signed in with software PIV cards.
// A source administrator uploads an HR snapshot whose new record shares a mailbox with a person on file: a registrar
// sees the record beside its candidates and resolves the case with a reason. A truncated snapshot is held by the
// mass-change guard: the run's page shows what it would do; its uploader cannot confirm it (separation of duties,
// audited), a second source administrator does, and the run is applied. axe-core checks every page visited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { testOperator } from '../../src/operators/test-operators.ts';
import { chromiumSkip } from '../support/chromium.ts';
import { type OpenConsole, openConsole } from '../support/console-browser.ts';
import { type CertificateCredential, type FederatedMuster, PEOPLE, issueSoftwarePivCard, startFederatedMuster } from '../support/federation.ts';
import { hrCsv, hrLine } from '../support/muster.ts';

const line = (id: string, over: Record<string, string> = {}) => hrLine(id, { ...PEOPLE[id], ...over });

describe('the imports and disputes pages of the console in Chromium', { skip: chromiumSkip() }, () => {
  let fm: FederatedMuster;
  let chromium: OpenConsole;
  const cards: Record<string, CertificateCredential> = {};
  let pages: Record<string, Page> = {};

  before(async () => {
    fm = await startFederatedMuster({ console: true, massChangeShare: 0.2 });
    for (const person of ['E1', 'E2']) cards[person] = await issueSoftwarePivCard(fm, person);
    await testOperator(fm.muster, ['source-admin', 'registrar'], { identityId: fm.ids.E1 as string });
    await testOperator(fm.muster, ['source-admin'], { identityId: fm.ids.E2 as string });
    chromium = await openConsole(fm, cards);
    pages = chromium.pages;
  });

  after(async () => {
    await chromium?.close();
    await fm?.close();
  });

  const console = () => `${fm.base}/console`;
  const arrive = (page: Page, done: (url: URL) => boolean, what: string) => chromium.cb.arrive(page, done, what);
  const accessible = (page: Page) => chromium.cb.accessible(page);

  async function upload(page: Page, name: string, csv: string): Promise<void> {
    await page.goto(`${console()}/imports`);
    await accessible(page);
    await page.selectOption('#source', 'hr');
    await page.setInputFiles('#snapshot', { name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.click('#upload');
    await arrive(page, (url) => /^\/console\/imports\/[0-9a-f-]{36}$/.test(url.pathname), "at the run's page");
  }

  test('a record sharing a mailbox is disputed; a registrar sees it beside its candidate and resolves it with a reason', async () => {
    const e1 = pages.E1 as Page;
    await upload(e1, 'hr-dispute.csv', hrCsv([line('E1'), line('E2'), line('E3'), hrLine('E50', { given_name: 'Raj', family_name: 'Patel', email: PEOPLE.E2?.email as string })]));
    assert.equal(await e1.locator('#run-status').textContent(), 'applied');
    assert.equal(await e1.locator('#summary-disputed').textContent(), '1');
    await accessible(e1);
    await e1.click('#console-nav a[href="/console/disputes"]');
    await arrive(e1, (url) => url.pathname === '/console/disputes', 'at the disputes');
    await accessible(e1);
    await e1.locator('#disputes .dispute a').first().click();
    await arrive(e1, (url) => /^\/console\/disputes\/[0-9a-f-]{36}$/.test(url.pathname), 'at the case');
    await accessible(e1);
    const emailRow = e1.locator('#side-by-side tr', { has: e1.locator('th', { hasText: /^email$/ }) });
    assert.deepEqual(await emailRow.locator('td').allTextContents(), [PEOPLE.E2?.email, PEOPLE.E2?.email], 'the record beside the candidate');
    await e1.click('label[for="choice-new"]');
    assert.equal(await e1.isChecked('#choice-new'), true);
    await e1.fill('#reason', 'a second Raj Patel joined; the shared mailbox is a data entry error');
    await e1.click('#resolve');
    await arrive(e1, (url) => /^\/console\/disputes\/[0-9a-f-]{36}$/.test(url.pathname) && url.search === '', 'back at the case');
    assert.match((await e1.locator('#resolution').textContent()) ?? '', /Resolved by operator:.*new — a second Raj Patel joined/);
    await accessible(e1);
    const [resolved] = await fm.muster.store.query<{ actor: string; reason: string | null }>(`SELECT actor, reason FROM audit_log WHERE action = 'dispute.resolved' ORDER BY seq DESC LIMIT 1`);
    assert.equal(resolved?.actor, `operator:${fm.ids.E1}`);
    assert.match(resolved?.reason ?? '', /data entry error/);
  });

  let heldRun = '';

  test('a truncated snapshot is held, shows what it would do, and its uploader may not confirm it', async () => {
    const e1 = pages.E1 as Page;
    await upload(e1, 'hr-truncated.csv', hrCsv([line('E1'), line('E2')]));
    heldRun = new URL(e1.url()).pathname.split('/').at(-1) as string;
    assert.equal(await e1.locator('#run-status').textContent(), 'held');
    assert.equal(await e1.locator('#held').count(), 1);
    assert.ok(Number(await e1.locator('#held-terminations').textContent()) >= 1);
    await accessible(e1);
    await e1.click('#confirm');
    assert.equal(await e1.locator('h1').textContent(), 'Refused');
    assert.match((await e1.locator('#message').textContent()) ?? '', /second|uploader|same|another/i);
    await accessible(e1);
    const refused = await fm.muster.store.query<{ actor: string; data: { rule: string } }>(`SELECT actor, data FROM audit_log WHERE action = 'import.confirm_refused' AND target = $1`, [heldRun]);
    assert.deepEqual(
      refused.map((r) => [r.actor, r.data.rule]),
      [[`operator:${fm.ids.E1}`, 'second-person']],
      'the refusal is audited',
    );
    const [run] = await fm.muster.store.query<{ status: string }>('SELECT status FROM import_runs WHERE id = $1', [heldRun]);
    assert.equal(run?.status, 'held');
  });

  test('a second source administrator confirms the held run, and it is applied', async () => {
    const e2 = pages.E2 as Page;
    await e2.goto(`${console()}/imports/${heldRun}`);
    await accessible(e2);
    await e2.click('#confirm');
    await arrive(e2, (url) => url.pathname === `/console/imports/${heldRun}`, "at the run's page");
    assert.equal(await e2.locator('#run-status').textContent(), 'applied');
    assert.equal(await e2.locator('#confirm').count(), 0);
    await accessible(e2);
    const [e3] = await fm.muster.store.query<{ status: string }>('SELECT status FROM identities WHERE id = $1', [fm.ids.E3]);
    assert.equal(e3?.status, 'terminated');
  });
});

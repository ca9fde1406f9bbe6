// PIV card issuance in the console, in Chromium, operators signed in with software PIV cards: the sponsorship, the
// identity proofing and the issuance are three forms, each for its role; one operator holding all three roles
// sponsors, and is refused the proofing and the issuance (separation of duties, the service's message, audited); a
// second operator proofs, a third issues with the key requests made on the card. The person's card list then shows
// the card with the buttons the issuer's role allows: activate, suspend, reinstate, revoke. A registrar gets no
// issuance form and 403 for its address. axe-core checks every page visited.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { opensslCsr, VETTING_HEADER } from '../../src/credentials/test-fixtures.ts';
import { testOperator } from '../../src/operators/test-operators.ts';
import { chromiumSkip } from '../support/chromium.ts';
import { type ConsoleBrowser, type OpenConsole, openConsole, postForm } from '../support/console-browser.ts';
import { type CertificateCredential, type FederatedMuster, PEOPLE, issueSoftwarePivCard, startFederatedMuster } from '../support/federation.ts';
import { hrCsv, hrLine } from '../support/muster.ts';
import { waitUntil } from '../support/wait.ts';

const APPLICANT = { given_name: 'Mei', family_name: 'Chen', email: 'mei.chen@demo.gov' };

describe('PIV card issuance in the console in Chromium', { skip: chromiumSkip() }, () => {
  let fm: FederatedMuster;
  let chromium: OpenConsole;
  let cb: ConsoleBrowser;
  let pages: Record<string, Page> = {};
  let applicant = '';
  const id = (person: string) => fm.ids[person] as string;
  const applicantPage = () => `/console/cards/${applicant}`;

  async function importFile(name: string, source: string, content: string): Promise<void> {
    const file = join(fm.dir, name);
    await writeFile(file, content);
    const run = await fm.muster.imports.run({ source, file, actor: 'hr.admin' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
  }

  before(async () => {
    fm = await startFederatedMuster({ console: true });
    const people = { ...PEOPLE, E4: APPLICANT };
    await importFile('hr-applicant.csv', 'hr', hrCsv(Object.entries(people).map(([person, fields]) => hrLine(person, fields))));
    await importFile('vetting-applicant.csv', 'vetting', `${[VETTING_HEADER, ...Object.keys(people).map((person) => `${person},favorable,current,Tier 3,2025-11-01,true`)].join('\n')}\n`);
    const [row] = await fm.muster.store.query<{ id: string }>(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E4'`);
    applicant = row?.id as string;
    const cards: Record<string, CertificateCredential> = {};
    for (const person of ['E1', 'E2', 'E3']) cards[person] = await issueSoftwarePivCard(fm, person);
    await testOperator(fm.muster, ['sponsor', 'registrar', 'issuer'], { identityId: id('E1') });
    await testOperator(fm.muster, ['registrar'], { identityId: id('E2') });
    await testOperator(fm.muster, ['issuer'], { identityId: id('E3') });
    chromium = await openConsole(fm, cards);
    ({ cb, pages } = chromium);
  });

  after(async () => {
    await chromium?.close();
    await fm?.close();
  });

  async function refusedFor(page: Page, rule: RegExp): Promise<void> {
    await cb.arrive(page, (url) => url.pathname !== applicantPage(), 'at the answer');
    assert.equal(await page.locator('h1').textContent(), 'Refused');
    assert.match((await page.locator('#message').textContent()) ?? '', rule);
    await cb.accessible(page);
  }

  test('the sponsor finds the applicant and records the sponsorship; the same operator is refused the proofing', async () => {
    const e1 = pages.E1 as Page;
    await e1.click('#console-nav a[href="/console/cards"]');
    await cb.arrive(e1, (url) => url.pathname === '/console/cards', 'at card issuance');
    await e1.fill('#cards-q', 'Chen');
    await e1.click('#cards-search');
    await cb.arrive(e1, (url) => url.searchParams.get('q') === 'Chen', 'at the search results');
    await cb.accessible(e1);
    await e1.click(`#card-people a[href="${applicantPage()}"]`);
    await cb.arrive(e1, (url) => url.pathname === applicantPage(), "at the applicant's cards");
    await cb.accessible(e1);
    assert.equal(await e1.locator('#sponsorship .step-state').textContent(), 'Not sponsored yet.');
    await e1.fill('#sponsor-reason', 'new analyst, needs building and network access');
    await e1.click('#sponsor');
    await cb.arrive(e1, (url) => url.pathname === applicantPage(), "back at the applicant's cards");
    assert.match((await e1.locator('#sponsorship .step-state').textContent()) ?? '', new RegExp(`^Sponsored by ${id('E1')}`));
    await e1.fill('#evidence1-type', 'passport');
    await e1.fill('#evidence1-issuer', 'U.S. Department of State');
    await e1.fill('#evidence1-number', 'P7654321');
    await e1.click('label[for="evidence1-photo"]');
    await e1.click('#proof');
    await refusedFor(e1, /proofing refused/);
    const refused = await fm.muster.store.query<{ actor: string; data: { operation: string } }>(`SELECT actor, data FROM audit_log WHERE action = 'separation_of_duties.refused' AND target = $1`, [
      applicant,
    ]);
    assert.deepEqual(
      refused.map((r) => [r.actor, r.data.operation]),
      [[`operator:${id('E1')}`, 'proofing']],
    );
  });

  test('a second operator records the proofing; a registrar has no issuance form and gets 403 for its address', async () => {
    const e2 = pages.E2 as Page;
    await e2.goto(cb.url(applicantPage().slice('/console'.length)));
    await cb.accessible(e2);
    assert.equal(await e2.locator('#sponsor-form').count(), 0);
    assert.equal(await e2.locator('#issue-form').count(), 0);
    await e2.fill('#evidence1-type', 'passport');
    await e2.fill('#evidence1-issuer', 'U.S. Department of State');
    await e2.fill('#evidence1-number', 'P7654321');
    await e2.click('label[for="evidence1-photo"]');
    await e2.fill('#evidence2-type', 'birth-certificate');
    await e2.fill('#evidence2-issuer', 'State of Maryland');
    await e2.fill('#evidence2-number', 'BC-112233');
    await e2.selectOption('#evidence2-strength', 'fair');
    await e2.click('#proof');
    await cb.arrive(e2, (url) => url.pathname === applicantPage(), "back at the applicant's cards");
    assert.match((await e2.locator('#proofing .step-state').textContent()) ?? '', new RegExp(`^IAL3 proofing \\(in-person\\) by ${id('E2')}.*2 document`));
    await cb.accessible(e2);
    await postForm(e2, `${applicantPage()}/issue`, { expires: '2030-01-01', pivAuthCsr: 'x', cardAuthCsr: 'x' });
    await cb.arrive(e2, (url) => url.pathname.endsWith('/issue'), 'at the answer');
    assert.equal(await e2.locator('h1').textContent(), 'Not allowed');
    assert.match((await e2.locator('#message').textContent()) ?? '', /needs the role issuer/);
    const [forbidden] = await fm.muster.store.query<{ actor: string }>(`SELECT actor FROM audit_log WHERE action = 'console.forbidden' ORDER BY seq DESC LIMIT 1`);
    assert.equal(forbidden?.actor, `operator:${id('E2')}`);
  });

  test('the sponsor is refused the issuance; a third operator issues the card with the key requests made on it', async () => {
    const csr = async (name: string) => opensslCsr(fm.dir, `${name}-${Date.now()}`);
    const e1 = pages.E1 as Page;
    await e1.goto(cb.url(applicantPage().slice('/console'.length)));
    await e1.fill('#piv-auth-csr', await csr('piv-auth'));
    await e1.fill('#card-auth-csr', await csr('card-auth'));
    await e1.click('#issue');
    await refusedFor(e1, /refused/);
    const e3 = pages.E3 as Page;
    await e3.goto(cb.url(applicantPage().slice('/console'.length)));
    await cb.accessible(e3);
    assert.equal(await e3.locator('#proofing-form').count(), 0);
    await e3.fill('#piv-auth-csr', await csr('piv-auth'));
    await e3.fill('#card-auth-csr', await csr('card-auth'));
    await e3.click('#issue');
    await cb.arrive(e3, (url) => url.pathname === applicantPage(), "back at the applicant's cards");
    assert.equal(
      await e3
        .locator('#person-credentials .credential-state')
        .allTextContents()
        .then((s) => s.join()),
      'issued',
    );
    assert.match((await e3.locator('#person-credentials').textContent()) ?? '', /piv-auth .*card-auth|card-auth .*piv-auth/);
    await cb.accessible(e3);
  });

  test('the issuer activates, suspends, reinstates and revokes the card from the list', async () => {
    const e3 = pages.E3 as Page;
    const state = () => e3.locator('#person-credentials .credential-state').textContent();
    const press = async (operation: string, reason?: string) => {
      const form = e3.locator(`#person-credentials form[action$="/${operation}"]`);
      if (reason !== undefined) await form.locator('[name="reason"]').fill(reason);
      await form.locator('button').click();
      await cb.arrive(e3, (url) => url.pathname === applicantPage(), "back at the applicant's cards");
    };
    await press('activate', 'handed to the cardholder in person');
    assert.equal(await state(), 'active');
    await press('suspend', 'left at home for a week');
    assert.equal(await state(), 'suspended');
    await cb.accessible(e3);
    await press('reinstate', 'found again');
    assert.equal(await state(), 'active');
    const revoke = e3.locator('#person-credentials form[action$="/terminate"]');
    await revoke.locator('select').selectOption('lost');
    await revoke.locator('button').click();
    await cb.arrive(e3, (url) => url.pathname === applicantPage(), "back at the applicant's cards");
    assert.equal(await state(), 'terminated');
    assert.equal(await e3.locator('#person-credentials form').count(), 0);
    await cb.accessible(e3);
    const [card] = await fm.muster.store.query<{ status: string }>(`SELECT status FROM credentials WHERE identity_id = $1 AND type = 'piv_card'`, [applicant]);
    assert.equal(card?.status, 'terminated');
    const statuses = async () => (await fm.muster.store.query<{ status: string }>(`SELECT status FROM certificates WHERE identity_id = $1`, [applicant])).map((c) => c.status);
    await waitUntil(
      'both certificates revoked',
      async () => {
        const now = await statuses();
        return now.length === 2 && now.every((status) => status === 'revoked');
      },
      { timeoutMs: 30_000 },
    );
  });
});

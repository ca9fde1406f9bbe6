// Access requests, approvals, just-in-time activation, certification reviews and two-person confirmations in the
// console, in Chromium, operators signed in with software PIV cards. A report requests a privileged just-in-time
// group; approving their own request is refused with the service's message; their manager approves it from the
// inbox and the report activates it with the button of the requester's page. The manager reviews the report's roles
// (keep one, revoke one) and an auditor sees the progress per reviewer. A role grant proposed by one operator admin
// is confirmed by another (the proposer has no confirm button). A policy admin adds and edits a catalogue item and a
// security officer opens a campaign, each from its form; a manager requests that item for a report picked from their
// reports, and the owner approves it reading names. A role without permission sees no link and gets 403.
// axe-core checks every page visited.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CatalogueService, createCampaign } from '../../src/governance/index.ts';
import { testOperator } from '../../src/operators/test-operators.ts';
import { campaignDeps } from '../../src/runtime/governance.ts';
import { grantOrPropose } from '../../src/runtime/pending-actions.ts';
import { chromiumSkip } from '../support/chromium.ts';
import { type ConsoleBrowser, type OpenConsole, openConsole, postForm } from '../support/console-browser.ts';
import { type CertificateCredential, type FederatedMuster, PEOPLE, issueSoftwarePivCard, startFederatedMuster } from '../support/federation.ts';
import { hrCsv, hrLine } from '../support/muster.ts';
import { type SlapdInstance, slapdSkip, startSlapd } from '../support/slapd.ts';

describe('access requests, reviews and two-person actions in the console in Chromium', { skip: chromiumSkip() || slapdSkip() }, () => {
  let slapd: SlapdInstance;
  let fm: FederatedMuster;
  let chromium: OpenConsole;
  let cb: ConsoleBrowser;
  const cards: Record<string, CertificateCredential> = {};
  let pages: Record<string, Page> = {};
  const id = (person: string) => fm.ids[person] as string;

  before(async () => {
    slapd = await startSlapd();
    fm = await startFederatedMuster({ console: true, targets: { directory: { kind: 'ldap', ...slapd.options, accountKey: ['employee_id'] } } });
    const { muster } = fm;
    // E1 manages E2
    const file = join(fm.dir, 'hr-managers.csv');
    await writeFile(file, hrCsv(['E1', 'E2', 'E3'].map((person) => hrLine(person, { ...PEOPLE[person], ...(person === 'E2' ? { manager: 'E1' } : {}) }))));
    const imported = await muster.imports.run({ source: 'hr', file, actor: 'hr.admin' });
    assert.equal(imported.status, 'applied');
    for (const person of ['E1', 'E2', 'E3']) cards[person] = await issueSoftwarePivCard(fm, person);
    await testOperator(muster, ['operator-admin', 'reviewer'], { identityId: id('E1') });
    await testOperator(muster, ['operator-admin', 'helpdesk'], { identityId: id('E2') });
    await testOperator(muster, ['auditor'], { identityId: id('E3') });
    const catalogue = new CatalogueService({ store: muster.store, audit: muster.audit, clock: muster.clock, targets: muster.accessTargets.names });
    const document = {
      kind: 'group',
      target: 'directory',
      group: 'ops-admins',
      description: 'administer the operations hosts',
      owners: [id('E3')],
      privileged: true,
      maxDays: 30,
      approvals: ['manager'],
      activation: 'jit',
      activationHours: 2,
    };
    await catalogue.save('ops-admins', document, 'policy.admin', 'offered to operations');
    await createCampaign(campaignDeps(muster), {
      name: 'Privileged access Q1',
      scope: 'privileged',
      reviewers: 'manager',
      due: '14d',
      reason: 'quarterly review',
      actor: 'operator:setup',
      correlationId: randomUUID(),
    });
    // after the campaign's items are made: the auditor keeps the catalogue too
    await testOperator(muster, ['policy-admin'], { identityId: id('E3') });
    chromium = await openConsole(fm, cards);
    ({ cb, pages } = chromium);
  });

  after(async () => {
    await chromium?.close();
    await fm?.close();
    await slapd?.stop();
  });

  let requestId = '';

  test('a report requests a just-in-time group with a justification and an end date, and sees it pending', async () => {
    const e2 = pages.E2 as Page;
    await e2.click('#console-nav a[href="/console/access"]');
    await cb.arrive(e2, (url) => url.pathname === '/console/access', 'at access requests');
    await cb.accessible(e2);
    assert.match((await e2.locator('#catalogue').textContent()) ?? '', /ops-admins.*administer the operations hosts.*just in time/s);
    await e2.selectOption('#item', 'ops-admins');
    await e2.fill('#justification', 'patching window this month');
    await e2.click('#request');
    await cb.arrive(e2, (url) => url.pathname === '/console/access' && url.hash === '#mine-heading', 'back at access requests');
    const state = e2.locator('#my-requests .request-state').first();
    assert.equal(await state.textContent(), 'pending');
    requestId = (await state.getAttribute('data-id')) as string;
    assert.match((await e2.locator('#my-requests').textContent()) ?? '', /waiting on manager/);
    await cb.accessible(e2);
  });

  test('approving one’s own request is refused with the service’s message, and audited', async () => {
    const e2 = pages.E2 as Page;
    await e2.goto(cb.url('/access/approvals'));
    assert.equal(await e2.locator('#inbox').textContent(), 'Nothing waits on you.');
    await cb.accessible(e2);
    await postForm(e2, `/console/access/requests/${requestId}/decision`, { decision: 'approve', reason: 'looks fine to me' });
    await cb.arrive(e2, (url) => url.pathname.endsWith('/decision'), 'at the decision');
    assert.equal(await e2.locator('h1').textContent(), 'Refused');
    assert.match((await e2.locator('#message').textContent()) ?? '', /never the beneficiary/);
    await cb.accessible(e2);
    const refused = await fm.muster.store.query<{ actor: string }>(`SELECT actor FROM audit_log WHERE action = 'access.decision-refused' AND data ->> 'request_id' = $1`, [requestId]);
    assert.deepEqual(
      refused.map((r) => r.actor),
      [`operator:${id('E2')}`],
    );
  });

  test('the manager approves it from the inbox with a reason; the report activates it with the button', async () => {
    const e1 = pages.E1 as Page;
    await e1.click('#console-nav a[href="/console/access/approvals"]');
    await cb.arrive(e1, (url) => url.pathname === '/console/access/approvals', 'at the inbox');
    await cb.accessible(e1);
    await e1.fill(`#reason-${requestId}`, 'on call for the patching window');
    await e1.click(`#approve-${requestId}`);
    await cb.arrive(e1, (url) => url.pathname === '/console/access/approvals', 'back at the inbox');
    assert.equal(await e1.locator('#inbox').textContent(), 'Nothing waits on you.');
    // the activation needs a fresh AAL3 sign-in: the report signs in again
    const e2 = await cb.signIn(cards.E2 as CertificateCredential);
    await e2.goto(cb.url('/access'));
    assert.equal(await e2.locator(`#my-requests .request-state[data-id="${requestId}"]`).textContent(), 'granted');
    await cb.accessible(e2);
    await e2.click('#my-requests button.activate');
    await cb.arrive(e2, (url) => url.pathname === '/console/access/activate', 'at the activation');
    assert.equal(await e2.locator('h1').textContent(), 'Activated');
    assert.match((await e2.locator('#message').textContent()) ?? '', /^ops-admins is active until /);
    await cb.accessible(e2);
    await e2.goto(cb.url('/access'));
    assert.match((await e2.locator('#my-requests').textContent()) ?? '', /active until/);
    assert.equal(await e2.locator('#my-requests button.activate').count(), 0);
  });

  test('the manager keeps one of the report’s roles and revokes the other, each with a comment; an auditor sees the progress', async () => {
    const e1 = pages.E1 as Page;
    await e1.click('#console-nav a[href="/console/review"]');
    await cb.arrive(e1, (url) => url.pathname === '/console/review', 'at the worklist');
    await cb.accessible(e1);
    const forms = e1.locator('#worklist form.review-decision');
    assert.equal(await forms.count(), 2, 'the report’s two roles');
    assert.deepEqual(await e1.locator('#worklist tbody th').allTextContents(), ['Raj Patel (E2)', 'Raj Patel (E2)']);
    for (const decision of ['keep', 'revoke']) {
      const form = e1.locator('#worklist form.review-decision').first();
      await form.locator('input[name="comment"]').fill(decision === 'keep' ? 'still on the help desk' : 'no longer administers operators');
      await form.locator(`button[value="${decision}"]`).click();
      await cb.arrive(e1, (url) => url.pathname === '/console/review', 'back at the worklist');
    }
    assert.equal(await e1.locator('#worklist').textContent(), 'Nothing to review.');
    await cb.accessible(e1);
    const e3 = pages.E3 as Page;
    await e3.click('#console-nav a[href="/console/campaigns"]');
    await cb.arrive(e3, (url) => url.pathname === '/console/campaigns', 'at the campaigns');
    await cb.accessible(e3);
    const row = e3.locator('#campaigns tr', { has: e3.locator('th', { hasText: 'Jane Doe (E1)' }) });
    assert.deepEqual(await row.locator('td').allTextContents(), ['2', '2', '1', '1']);
    const decided = await fm.muster.store.query<{ actor: string; reason: string }>(`SELECT actor, reason FROM audit_log WHERE action = 'campaign.decided' ORDER BY seq`);
    assert.deepEqual(
      decided.map((d) => d.actor),
      [`operator:${id('E1')}`, `operator:${id('E1')}`],
    );
  });

  test('a grant proposed by one operator admin is confirmed by another; the proposer has no confirm button', async () => {
    const decider = { tokenId: '', tokenName: 'setup', identityId: id('E1'), roles: ['operator-admin'], actor: `operator:${id('E1')}`, correlationId: randomUUID() };
    const proposed = await grantOrPropose(fm.muster, decider, { identityId: id('E3'), role: 'security-officer', reason: 'new security officer' });
    assert.ok('pending' in proposed);
    const actionId = proposed.pending.id;
    const e1 = pages.E1 as Page;
    await e1.goto(cb.url('/pending-actions'));
    await cb.accessible(e1);
    assert.equal(await e1.locator(`#confirm-${actionId}`).count(), 0);
    assert.equal(await e1.locator(`#reject-${actionId}`).count(), 1);
    const e2 = pages.E2 as Page;
    await e2.goto(cb.url());
    await e2.click('#console-nav a[href="/console/pending-actions"]');
    await cb.arrive(e2, (url) => url.pathname === '/console/pending-actions', 'at the two-person actions');
    await cb.accessible(e2);
    await e2.fill(`#reason-${actionId}`, 'agreed at the staff meeting');
    await e2.click(`#confirm-${actionId}`);
    await cb.arrive(e2, (url) => url.pathname === '/console/pending-actions', 'back at the two-person actions');
    assert.equal(await e2.locator('#pending-actions').textContent(), 'Nothing awaits a second person.');
    await cb.accessible(e2);
    const [confirmed] = await fm.muster.store.query<{ actor: string }>(`SELECT actor FROM audit_log WHERE action = 'pending_action.confirmed' AND data ->> 'pending_action_id' = $1`, [actionId]);
    assert.equal(confirmed?.actor, `operator:${id('E2')}`);
    const roles = await fm.muster.store.query<{ role: string }>('SELECT role FROM operator_roles WHERE identity_id = $1 AND revoked_at IS NULL ORDER BY role', [id('E3')]);
    assert.deepEqual(
      roles.map((r) => r.role),
      ['auditor', 'policy-admin', 'security-officer'],
    );
  });

  test('a policy admin adds a catalogue item from the form and edits it; the new security officer opens a campaign from the form', async () => {
    const e3 = pages.E3 as Page;
    await e3.goto(cb.url());
    await e3.click('#console-nav a[href="/console/catalogue"]');
    await cb.arrive(e3, (url) => url.pathname === '/console/catalogue', 'at the catalogue');
    await cb.accessible(e3);
    await e3.click('#new-item');
    await cb.arrive(e3, (url) => url.pathname === '/console/catalogue/new', 'at the new item');
    await cb.accessible(e3);
    await e3.fill('#item-name', 'wiki-editors');
    await e3.click('label[for="kind-group"]');
    await e3.selectOption('#item-target', 'directory');
    await e3.fill('#item-group', 'wiki-editors');
    await e3.fill('#item-description', 'edit the team wiki');
    await e3.fill('#item-owners', 'E3');
    await e3.fill('#item-days', '90');
    // a new item's chain starts at the manager: the owner alone approves this one
    await e3.click('label[for="approval-manager"]');
    await e3.click('label[for="approval-owner"]');
    await e3.fill('#item-reason', 'offered to everyone');
    await e3.click('#save-item');
    await cb.arrive(e3, (url) => url.pathname === '/console/catalogue', 'back at the catalogue');
    assert.match((await e3.locator('#catalogue-items').textContent()) ?? '', /wiki-editors.*group wiki-editors in directory.*Ana Lopez \(E3\).*90 days\s*owner\s*offered, version 1/s);
    await e3.click('#catalogue-items a[href="/console/catalogue/items/wiki-editors"]');
    await cb.arrive(e3, (url) => url.pathname === '/console/catalogue/items/wiki-editors', 'at the item');
    await cb.accessible(e3);
    assert.equal(await e3.locator('#item-owners').inputValue(), 'E3');
    await e3.fill('#item-days', '30');
    await e3.fill('#item-reason', 'shorter grants');
    await e3.click('#save-item');
    await cb.arrive(e3, (url) => url.pathname === '/console/catalogue', 'back at the catalogue');
    assert.match((await e3.locator('#catalogue-items').textContent()) ?? '', /30 days.*offered, version 2/s);
    await cb.accessible(e3);

    await e3.click('#console-nav a[href="/console/campaigns"]');
    await cb.arrive(e3, (url) => url.pathname === '/console/campaigns', 'at the campaigns');
    await e3.click('#new-campaign');
    await cb.arrive(e3, (url) => url.pathname === '/console/campaigns/new', 'at the new campaign');
    await cb.accessible(e3);
    await e3.fill('#campaign-name', 'Directory accounts Q2');
    await e3.selectOption('#campaign-scope', 'target:directory');
    await e3.click('label[for="unanswered-escalate"]');
    await e3.fill('#campaign-reason', 'quarterly review of the directory');
    await e3.click('#open-campaign');
    await cb.arrive(e3, (url) => url.pathname === '/console/campaigns' && url.hash.startsWith('#campaign-'), 'at the new campaign');
    const section = e3.locator(new URL(e3.url()).hash);
    assert.match((await section.textContent()) ?? '', /Directory accounts Q2.*Scope target:directory, reviewed by manager, open.*escalated/s);
    await cb.accessible(e3);
    const [created] = await fm.muster.store.query<{ created_by: string }>("SELECT created_by FROM campaigns WHERE name = 'Directory accounts Q2'");
    assert.equal(created?.created_by, `operator:${id('E3')}`);
  });

  test('a manager picks their report from a list to request for them; the owner approves reading names, not ids', async () => {
    const e1 = pages.E1 as Page;
    await e1.goto(cb.url('/access'));
    await cb.accessible(e1);
    const reports = await e1.locator('#beneficiary option').allTextContents();
    assert.deepEqual(reports, ['Yourself', 'Raj Patel (E2)']);
    await e1.selectOption('#item', 'wiki-editors');
    await e1.selectOption('#beneficiary', { label: 'Raj Patel (E2)' });
    await e1.fill('#justification', 'writes the runbooks');
    await e1.click('#request');
    await cb.arrive(e1, (url) => url.pathname === '/console/access' && url.hash === '#mine-heading', 'back at access requests');
    const mine = e1.locator('#my-requests tr', { has: e1.locator('th', { hasText: 'wiki-editors' }) });
    assert.match((await mine.textContent()) ?? '', /Raj Patel \(E2\).*pending/s);
    const e3 = pages.E3 as Page;
    await e3.goto(cb.url('/access/approvals'));
    await cb.accessible(e3);
    const row = e3.locator('#inbox tr', { has: e3.locator('th', { hasText: 'wiki-editors' }) });
    const cells = await row.locator('td').allTextContents();
    assert.deepEqual(cells.slice(0, 2), ['Raj Patel (E2)', 'Jane Doe (E1)']);
    const requestId = (await row.locator('form.decision').getAttribute('action'))?.split('/')[4] as string;
    await e3.fill(`#reason-${requestId}`, 'owner agrees');
    await e3.click(`#approve-${requestId}`);
    await cb.arrive(e3, (url) => url.pathname === '/console/access/approvals', 'back at the inbox');
    const [granted] = await fm.muster.store.query<{ status: string; beneficiary_id: string }>('SELECT status, beneficiary_id FROM access_requests WHERE id = $1', [requestId]);
    assert.deepEqual(granted, { status: 'granted', beneficiary_id: id('E2') });
  });

  test('a role without permission sees no link to the campaigns or the worklist, and gets 403', async () => {
    const e2 = pages.E2 as Page;
    await e2.goto(cb.url());
    const links = await e2.locator('#console-nav a').evaluateAll((as) => as.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('href')));
    for (const path of ['/console/campaigns', '/console/review']) {
      assert.ok(!links.includes(path), `no link to ${path}`);
      const answer = await e2.goto(cb.url(path.slice('/console'.length)));
      assert.equal(answer?.status(), 403, path);
      await cb.accessible(e2);
    }
    assert.ok(links.includes('/console/access') && links.includes('/console/access/approvals'));
  });
});

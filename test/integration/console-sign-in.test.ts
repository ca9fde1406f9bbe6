// The web console in a real browser: headless Chromium signs operators in to /console through muster's own OpenID
// Provider with a software PIV card (Playwright presents its certificate to muster's mutual-TLS origin). An operator
// sees their roles; a cardholder who is no operator gets a cardholder session that opens no operator page; an operator
// without the role gets 403 on the holds page; a hardware-backed PKI Derived PIV credential signs in at AAL3, one not
// shown hardware-backed (AAL2) is refused saying why; the inactivity limit (the injected clock moved on) sends the
// operator back to PIV sign-in; signing out ends the session; and a hold or an HR termination ends the operator's
// console session (and API token) at once.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Clock } from '../../src/core/clock.ts';
import { placeHold } from '../../src/lifecycle/holds.ts';
import { type TestOperator, testOperator } from '../../src/operators/test-operators.ts';
import { chromiumSkip, launchChromium, newContextWithClientCertificate } from '../support/chromium.ts';
import { type CertificateCredential, type FederatedMuster, bindDerivedPki, issueSoftwarePivCard, startFederatedMuster } from '../support/federation.ts';
import { waitUntil } from '../support/wait.ts';

/** The wall clock, moved on by the test: muster's decisions see the time pass, the browser and the OP's tokens do not. */
class SteppedClock implements Clock {
  #offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }
  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}

interface SessionRow {
  id: string;
  identity_id: string | null;
  secret_hash: string;
  ended_at: Date | null;
  end_reason: string | null;
}

describe('console sign-in in Chromium', { skip: chromiumSkip() }, () => {
  const clock = new SteppedClock();
  let fm: FederatedMuster;
  let browser: Browser;
  const cards: Record<string, CertificateCredential> = {};
  const contexts: BrowserContext[] = [];
  let e1Token: TestOperator;

  before(async () => {
    fm = await startFederatedMuster({ clock, console: true });
    for (const person of ['E1', 'E2', 'E3']) cards[person] = await issueSoftwarePivCard(fm, person);
    e1Token = await testOperator(fm.muster, ['security-officer', 'auditor'], { identityId: fm.ids.E1 as string });
    await testOperator(fm.muster, ['issuer'], { identityId: fm.ids.E2 as string });
    browser = await launchChromium();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await fm?.close();
  });

  async function cardholder(person: string, credential?: CertificateCredential): Promise<Page> {
    const card = credential ?? (cards[person] as CertificateCredential);
    const context = await newContextWithClientCertificate(browser, { origin: fm.mtlsOrigin, pfx: card.pfx, passphrase: card.passphrase });
    contexts.push(context);
    return context.newPage();
  }

  const console = () => `${fm.base}/console`;
  const atSignIn = (url: URL) => url.href.startsWith(`${fm.issuer}/interaction/`);
  const atConsole = (url: URL) => url.href === console();

  /** Waits to arrive where `done` says; a timeout names where the browser is and what the page says. */
  async function arrive(page: Page, done: (url: URL) => boolean, what: string): Promise<void> {
    try {
      await page.waitForURL(done, { timeout: 15_000 });
    } catch (error) {
      throw new Error(`never arrived ${what}: at ${page.url()}: ${await page.locator('body').textContent()}; muster reported ${fm.errors.map(String).join('; ') || 'nothing'}`, { cause: error });
    }
  }

  /** From wherever the console sent the browser: PIV sign-in at muster's OP, then back to the console. */
  async function signIn(page: Page, start = console()): Promise<void> {
    await page.goto(start);
    await arrive(page, atSignIn, "at muster's sign-in page");
    await page.click('#piv');
    await arrive(page, (url) => url.pathname === '/console' || url.pathname === '/console/callback', 'back at the console');
  }

  async function sessionsOf(person: string): Promise<SessionRow[]> {
    return fm.muster.store.query<SessionRow & Record<string, unknown>>('SELECT id, identity_id, secret_hash, ended_at, end_reason FROM console_sessions WHERE identity_id = $1 ORDER BY created_at', [
      fm.ids[person],
    ]);
  }

  async function auditOf(action: string): Promise<{ actor: string; target: string | null; reason: string | null; data: Record<string, unknown> }[]> {
    return fm.muster.store.query('SELECT actor, target, reason, data FROM audit_log WHERE action = $1 ORDER BY seq', [action]);
  }

  let e1: Page;

  test('an operator signs in with a software PIV card at AAL3 and sees who they are and their roles', async () => {
    e1 = await cardholder('E1');
    await signIn(e1);
    await e1.waitForURL(atConsole);
    assert.equal(await e1.locator('#identity').textContent(), fm.ids.E1);
    assert.deepEqual(await e1.locator('#roles .role').allTextContents(), ['auditor', 'security-officer']);
    const cookie = (await e1.context().cookies(fm.base)).find((c) => c.name === '__Host-muster-console');
    assert.ok(cookie, 'the session cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    const [session] = await sessionsOf('E1');
    assert.equal(session?.secret_hash, createHash('sha256').update(cookie.value).digest('hex'), 'the store keeps the hash of the secret, never the secret');
    const started = (await auditOf('console.session.started')).find((e) => e.target === `console-session:${session?.id}`);
    assert.equal(started?.actor, `operator:${fm.ids.E1}`);
    const login = await fm.muster.store.query<{ aal: string }>('SELECT aal FROM oidc_logins WHERE identity_id = $1 ORDER BY auth_time DESC LIMIT 1', [fm.ids.E1]);
    assert.equal(login[0]?.aal, 'aal3');
    const holds = await e1.goto(`${console()}/holds`);
    assert.equal(holds?.status(), 200);
    assert.equal(await e1.locator('#holds').count(), 1);
    const csp = holds?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
  });

  test('a cardholder who is no operator gets a cardholder session: no role, and no operator page', async () => {
    const page = await cardholder('E3');
    await signIn(page);
    await page.waitForURL(atConsole);
    assert.equal(await page.locator('#identity').textContent(), fm.ids.E3);
    assert.equal(await page.locator('#roles .role').count(), 0);
    const [session] = await sessionsOf('E3');
    assert.ok(session && session.ended_at === null, 'a live session');
    assert.equal((await page.goto(`${console()}/holds`))?.status(), 403);
    const forbidden = (await auditOf('console.forbidden')).filter((e) => e.actor === `operator:${fm.ids.E3}`);
    assert.equal(forbidden.length, 1);
  });

  let e2: Page;

  test('an operator without the role gets 403 on the holds page, audited', async () => {
    const page = await cardholder('E2');
    e2 = page;
    await signIn(page);
    await page.waitForURL(atConsole);
    assert.deepEqual(await page.locator('#roles .role').allTextContents(), ['issuer']);
    const holds = await page.goto(`${console()}/holds`);
    assert.equal(holds?.status(), 403);
    assert.equal(await page.locator('#holds').count(), 0);
    const forbidden = (await auditOf('console.forbidden')).filter((e) => e.actor === `operator:${fm.ids.E2}`);
    assert.equal(forbidden.length, 1);
    assert.deepEqual(forbidden[0]?.data.needed, ['security-officer', 'helpdesk', 'auditor']);
  });

  test('an operator signs in with a hardware-backed PKI Derived PIV credential (AAL3, SP 800-157r1) and reaches the console', async () => {
    const derived = await bindDerivedPki(fm, cards.E2 as CertificateCredential, true);
    const page = await cardholder('E2', derived);
    await signIn(page);
    await arrive(page, atConsole, 'at the console');
    assert.equal(await page.locator('#identity').textContent(), fm.ids.E2);
    const [login] = await fm.muster.store.query<{ aal: string; credential_id: string }>(
      'SELECT aal, credential_id::text AS credential_id FROM oidc_logins WHERE identity_id = $1 ORDER BY auth_time DESC LIMIT 1',
      [fm.ids.E2],
    );
    assert.deepEqual([login?.aal, login?.credential_id], ['aal3', derived.credentialId], 'the sign-in was the derived credential, at AAL3');
  });

  test('a Derived PIV credential whose key is not shown to be hardware-protected (AAL2) is refused the console, saying why', async () => {
    const before = (await sessionsOf('E2')).length;
    const software = await bindDerivedPki(fm, cards.E2 as CertificateCredential, false);
    const page = await cardholder('E2', software);
    await page.goto(console());
    await arrive(page, atSignIn, "at muster's sign-in page");
    await page.click('#piv');
    await page.waitForLoadState();
    const text = (await page.locator('body').textContent()) ?? '';
    assert.match(text, /requires AAL3; this credential reaches AAL2/, `the refusal says why: ${text}`);
    assert.ok(!atConsole(new URL(page.url())), `the console does not open (${page.url()})`);
    assert.equal((await sessionsOf('E2')).length, before, 'no console session');
  });

  test('a hold on the operator ends their console sessions at once', async () => {
    assert.equal((await e2.goto(console()))?.status(), 200);
    const live = (await sessionsOf('E2')).filter((s) => s.ended_at === null).length;
    assert.equal(live, 2, 'signed in with the card and with the Derived PIV credential');
    await placeHold(fm.muster.store, fm.muster, fm.ids.E2 as string, 'lost badge under investigation', 'operator:security');
    await waitUntil('the console session of the held operator ended', async () => (await sessionsOf('E2')).every((s) => s.ended_at !== null));
    const ended = (await auditOf('console.session.ended')).filter((e) => e.data.identity_id === fm.ids.E2);
    assert.deepEqual(
      ended.map((e) => e.actor),
      ['muster:lifecycle', 'muster:lifecycle'],
      'one entry for each session the job ended',
    );
    await e2.goto(console());
    assert.ok(!atConsole(new URL(e2.url())), `the console no longer opens (${e2.url()})`);
  });

  test('after 15 minutes of inactivity the console sends the operator back to PIV sign-in', async () => {
    assert.equal((await e1.goto(console()))?.status(), 200);
    clock.advance(16 * 60_000);
    await e1.goto(console());
    await e1.waitForURL(atSignIn);
    const [ended] = (await sessionsOf('E1')).filter((s) => s.ended_at !== null);
    assert.match(ended?.end_reason ?? '', /inactivity/);
    await e1.click('#piv');
    await e1.waitForURL(atConsole);
    assert.deepEqual(await e1.locator('#roles .role').allTextContents(), ['auditor', 'security-officer']);
  });

  test('signing out ends the console session and goes on to the OP to end its own', async () => {
    await e1.click('#sign-out');
    await e1.waitForURL((url) => url.href.startsWith(fm.issuer));
    const live = (await sessionsOf('E1')).filter((s) => s.ended_at === null);
    assert.deepEqual(live, []);
    const ended = (await auditOf('console.session.ended')).filter((e) => e.actor === `operator:${fm.ids.E1}`);
    assert.equal(ended.at(-1)?.reason, 'signed out');
    assert.ok(ended.at(-1)?.data.session_id, 'the entry names the session');
    // the OP asks whether to end its own session too; yes, and it sends the browser back to the console's page
    await e1.click('button[name="logout"][value="yes"]');
    await arrive(e1, (url) => url.href === `${console()}/signed-out`, "at the console's signed-out page");
    assert.equal(await e1.locator('h1').textContent(), 'Signed out');
  });

  test("an HR termination ends the operator's API token and console session at once", async () => {
    const page = await cardholder('E1');
    await signIn(page);
    await page.waitForURL(atConsole);
    assert.equal((await sessionsOf('E1')).filter((s) => s.ended_at === null).length, 1);
    const api = () => fetch(`${fm.base}/api/audit/verify`, { headers: { authorization: e1Token.bearer } });
    assert.equal((await api()).status, 200, "the operator's API token works before");
    await fm.hrSnapshot({ E1: 'terminated' });
    assert.equal((await api()).status, 401, 'the API token of a leaver is refused at once');
    await waitUntil('the console session of the leaver ended', async () => (await sessionsOf('E1')).every((s) => s.ended_at !== null));
    await waitUntil("the leaver's API token revoked for good", async () => (await auditOf('token.revoked')).some((e) => e.target === `token:${e1Token.tokenId}`));
    const ended = (await auditOf('console.session.ended')).filter((e) => e.actor === 'muster:lifecycle' && e.data.identity_id === fm.ids.E1);
    assert.equal(ended.length, 1, 'one entry for the one session the job ended');
    await page.goto(console());
    assert.ok(!atConsole(new URL(page.url())), `the console no longer opens (${page.url()})`);
  });
});

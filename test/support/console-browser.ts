import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, newContextWithClientCertificate } from './chromium.ts';
import type { CertificateCredential, FederatedMuster } from './federation.ts';

/** Operators in Chromium against a federated muster's console: signing in with a software PIV card, arriving, axe. */
export interface ConsoleBrowser {
  readonly url: (path?: string) => string;
  signIn(card: CertificateCredential): Promise<Page>;
  arrive(page: Page, done: (url: URL) => boolean, what: string): Promise<void>;
  accessible(page: Page): Promise<void>;
  close(): Promise<void>;
}

export function consoleBrowser(fm: FederatedMuster, browser: Browser): ConsoleBrowser {
  const contexts: BrowserContext[] = [];
  const url = (path = '') => `${fm.base}/console${path}`;
  const arrive = async (page: Page, done: (url: URL) => boolean, what: string) => {
    try {
      await page.waitForURL(done, { timeout: 15_000 });
    } catch (error) {
      throw new Error(`never arrived ${what}: at ${page.url()}: ${await page.locator('body').textContent()}; muster reported ${fm.errors.map(String).join('; ') || 'nothing'}`, { cause: error });
    }
  };
  return {
    url,
    arrive,
    async signIn(card) {
      const context = await newContextWithClientCertificate(browser, { origin: fm.mtlsOrigin, pfx: card.pfx, passphrase: card.passphrase });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(url());
      await arrive(page, (u) => u.href.startsWith(`${fm.issuer}/interaction/`), "at muster's sign-in page");
      await page.click('#piv');
      await arrive(page, (u) => u.href === url(), 'back at the console');
      return page;
    },
    async accessible(page) {
      const { violations } = await new AxeBuilder({ page }).analyze();
      assert.deepEqual(
        violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
        [],
        `axe on ${page.url()}`,
      );
    },
    async close() {
      for (const context of contexts.splice(0)) await context.close().catch(() => {});
    },
  };
}

/** Chromium with each card's holder signed in to the console, each in a browser context of their own. */
export interface OpenConsole {
  readonly cb: ConsoleBrowser;
  /** The signed-in page of each holder, by the cards' keys. */
  readonly pages: Record<string, Page>;
  /** Closes the contexts, then Chromium. */
  close(): Promise<void>;
}

/** Launches Chromium and signs each card's holder in, in the order given; a failed sign-in closes what was opened. */
export async function openConsole(fm: FederatedMuster, cards: Readonly<Record<string, CertificateCredential>>): Promise<OpenConsole> {
  const browser = await launchChromium();
  const cb = consoleBrowser(fm, browser);
  const close = async () => {
    await cb.close();
    await browser.close();
  };
  const pages: Record<string, Page> = {};
  try {
    for (const [holder, card] of Object.entries(cards)) pages[holder] = await cb.signIn(card);
  } catch (error) {
    await close();
    throw error;
  }
  return { cb, pages, close };
}

/** Posts a form from the page, as a browser would from a form the page does not show (a tampered or stale one). */
export async function postForm(page: Page, action: string, fields: Record<string, string>): Promise<void> {
  // a string: the test files have no DOM types; Playwright runs it in the page as it is
  await page.evaluate(`(() => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = ${JSON.stringify(action)};
    for (const [name, value] of Object.entries(${JSON.stringify(fields)})) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  })()`);
}

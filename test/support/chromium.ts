import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { findExecutable, peerSkip } from './peers.ts';

/** Where Debian puts Chromium, then whatever `chromium` is on PATH. */
export const CHROMIUM = findExecutable('/usr/bin/chromium') ?? findExecutable('chromium');

/** The `skip` option for a suite that needs Chromium: skips loudly outside CI, throws under CI=true. */
export function chromiumSkip(): string | false {
  return peerSkip('Chromium', CHROMIUM !== null);
}

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches headless Chromium with no network chatter of its own. */
export async function launchChromium(): Promise<Browser> {
  if (CHROMIUM === null) throw new Error('Chromium is not installed');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** What the CDP virtual authenticator looks like; the defaults are a UV-capable, verified CTAP2 platform authenticator. */
export interface VirtualAuthenticatorOptions {
  readonly transport?: 'internal' | 'usb';
  readonly hasUserVerification?: boolean;
  readonly isUserVerified?: boolean;
  readonly hasResidentKey?: boolean;
  /** New credentials are backup eligible and backed up (a synced passkey); default false. */
  readonly backedUp?: boolean;
}

/** A credential as CDP reports and accepts it (ids and keys in base64). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  /** PKCS#8 ECDSA P-256 key. */
  privateKey: string;
  userHandle?: string;
  signCount: number;
  backupEligibility?: boolean;
  backupState?: boolean;
}

/** A virtual authenticator attached to one page over CDP. */
export interface VirtualAuthenticator {
  readonly id: string;
  readonly session: CDPSession;
  /** The credentials the authenticator holds, private keys included. */
  credentials(): Promise<VirtualCredential[]>;
  /** Puts a credential (e.g. one copied from another authenticator) into this one. */
  addCredential(credential: VirtualCredential): Promise<void>;
  removeCredential(credentialId: string): Promise<void>;
  clearCredentials(): Promise<void>;
  /** Detaches the authenticator from the page. */
  remove(): Promise<void>;
}

/** Adds a CDP virtual authenticator (`WebAuthn.addVirtualAuthenticator`) to the page; user presence is automatic. */
export async function addVirtualAuthenticator(page: Page, options: VirtualAuthenticatorOptions = {}): Promise<VirtualAuthenticator> {
  const session = await page.context().newCDPSession(page);
  await session.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await session.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: options.transport ?? 'internal',
      hasResidentKey: options.hasResidentKey ?? true,
      hasUserVerification: options.hasUserVerification ?? true,
      isUserVerified: options.isUserVerified ?? true,
      automaticPresenceSimulation: true,
      defaultBackupEligibility: options.backedUp ?? false,
      defaultBackupState: options.backedUp ?? false,
    },
  });
  return virtualAuthenticator(session, authenticatorId);
}

function virtualAuthenticator(session: CDPSession, id: string): VirtualAuthenticator {
  return {
    id,
    session,
    credentials: async () => (await session.send('WebAuthn.getCredentials', { authenticatorId: id })).credentials,
    addCredential: async (credential) => {
      await session.send('WebAuthn.addCredential', { authenticatorId: id, credential });
    },
    removeCredential: async (credentialId) => {
      await session.send('WebAuthn.removeCredential', { authenticatorId: id, credentialId });
    },
    clearCredentials: async () => {
      await session.send('WebAuthn.clearCredentials', { authenticatorId: id });
    },
    remove: async () => {
      await session.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: id });
      await session.detach();
    },
  };
}

/** A client certificate for one origin, as a PKCS#12 (PFX) file's bytes. */
export interface ClientCertificateOptions {
  /** The https origin that asks for the certificate, e.g. 'https://127.0.0.1:8443'. */
  readonly origin: string;
  readonly pfx: Buffer;
  readonly passphrase?: string;
  /**
   * Check the server's certificate against Node's default CA store (default false: any certificate is taken).
   * With client certificates Playwright's own Node TLS client talks to the server, not Chromium, and it takes no
   * CA of its own: a server under a test CA is only checked if the test adds that CA to Node's default store
   * (`tls.setDefaultCACertificates`), which changes it for the whole test process.
   */
  readonly verifyServer?: boolean;
}

/**
 * A browser context that presents a TLS client certificate to `origin` (as a PIV card's authentication
 * certificate would be presented). Playwright proxies the context's connections and does the TLS to `origin`
 * itself, with the certificate; to Chromium it shows a stand-in certificate of its own. To accept that stand-in,
 * Playwright has Chromium accept any certificate in this context, so other https origins are not checked either:
 * a test that cares about a server's certificate checks it outside the browser.
 */
export async function newContextWithClientCertificate(browser: Browser, options: ClientCertificateOptions): Promise<BrowserContext> {
  return browser.newContext({
    clientCertificates: [{ origin: new URL(options.origin).origin, pfx: options.pfx, ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }) }],
    ignoreHTTPSErrors: !(options.verifyServer ?? false),
  });
}

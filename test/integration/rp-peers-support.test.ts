// The test support for real relying parties and for the browser's client certificate, proven against a bare
// oidc-provider: Apache with mod_auth_openidc signs in with private_key_jwt and PKCE, driven by the cookie-jar
// fetch; Chromium presents a TLS client certificate from a PKCS#12 to a server that asks for one.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import forge from 'node-forge';
import type { Browser } from 'playwright-core';
import { apacheSkip, readEcho, startApacheRp, type ApacheRp } from '../support/apache.ts';
import { BrowserFetch } from '../support/browser-fetch.ts';
import { chromiumSkip, launchChromium, newContextWithClientCertificate } from '../support/chromium.ts';

const CLIENT_ID = 'apache-rp';

/** The part of oidc-provider used here: the package ships no type declarations. */
interface Provider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ uid: string; prompt: { name: string }; params: Record<string, unknown> }>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: object, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
}
type ProviderConstructor = new (issuer: string, configuration: object) => Provider;
const OIDC_PROVIDER = 'oidc-provider';
const { default: Provider } = (await import(OIDC_PROVIDER)) as { default: ProviderConstructor };

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return new URLSearchParams(text);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The OP's login page: a form that names the account; its submission logs the account in and grants the client
 * what it asked for, in one step.
 */
async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>sign in</title><form method="post" action="/interaction/${escapeHtml(details.uid)}">
<input type="hidden" name="prompt" value="${escapeHtml(details.prompt.name)}"><input name="login" value=""><button>Sign in</button></form>`);
    return;
  }
  const accountId = (await formBody(req)).get('login') ?? '';
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
}

function rsaJwk(): Record<string, unknown> {
  return { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'op-1', alg: 'RS256', use: 'sig' };
}

interface Pki {
  readonly caPem: string;
  readonly serverKeyPem: string;
  readonly serverCertPem: string;
  readonly clientPfx: Buffer;
}

function certificate(
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  publicKey: forge.pki.PublicKey,
  signer: forge.pki.rsa.PrivateKey,
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  cert.sign(signer, forge.md.sha256.create());
  return cert;
}

/** A test CA, a server certificate for 127.0.0.1 and a client certificate with its key in a PKCS#12. */
function testPki(passphrase: string): Pki {
  const keys = (): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privateKey = forge.pki.privateKeyFromPem(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    return { privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) };
  };
  const ca = keys();
  const caName = [
    { name: 'organizationName', value: 'Agency' },
    { name: 'commonName', value: 'Agency Test CA' },
  ];
  const caCert = certificate(caName, caName, ca.publicKey, ca.privateKey, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  const server = keys();
  const serverCert = certificate([{ name: 'commonName', value: '127.0.0.1' }], caName, server.publicKey, ca.privateKey, [
    { name: 'basicConstraints', cA: false },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
  ]);
  const client = keys();
  const clientName = [
    { name: 'organizationName', value: 'Agency' },
    { shortName: 'OU', value: 'People' },
    { name: 'commonName', value: 'Jane Doe 1234567890' },
  ];
  const clientCert = certificate(clientName, caName, client.publicKey, ca.privateKey, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  const p12 = forge.pkcs12.toPkcs12Asn1(client.privateKey, [clientCert, caCert], passphrase, { algorithm: '3des' });
  return {
    caPem: forge.pki.certificateToPem(caCert),
    serverKeyPem: forge.pki.privateKeyToPem(server.privateKey),
    serverCertPem: forge.pki.certificateToPem(serverCert),
    clientPfx: Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'),
  };
}

let sharedPki: Pki | undefined;
const PASSPHRASE = 'correct horse';
/** One test PKI for the file (RSA key generation is the slow part). */
function pkiOnce(): Pki {
  sharedPki ??= testPki(PASSPHRASE);
  return sharedPki;
}

/** The sign-in suite, against an OP on http or on https under the test CA. */
function signInSuite(scheme: 'http' | 'https'): void {
  describe(`Apache with mod_auth_openidc signs in at a bare oidc-provider over ${scheme}`, { skip: apacheSkip() }, () => {
    let op: Server;
    let issuer: string;
    let rp: ApacheRp;
    let provider: Provider | undefined;
    let folder: string | undefined;
    const browserFetch = (): BrowserFetch => new BrowserFetch(scheme === 'https' ? { ca: pkiOnce().caPem } : {});

    before(async () => {
      // the OP listens first: Apache needs its issuer, the OP needs Apache's redirect URI and keys
      const handler = (req: IncomingMessage, res: ServerResponse): void => {
        if (!provider) return void res.writeHead(503).end();
        if (req.url?.startsWith('/interaction/')) {
          interaction(provider, req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
          return;
        }
        provider.callback()(req, res);
      };
      let caFile: string | undefined;
      if (scheme === 'https') {
        const { serverKeyPem, serverCertPem, caPem } = pkiOnce();
        op = createHttpsServer({ key: serverKeyPem, cert: serverCertPem }, handler);
        folder = await mkdtemp(join(tmpdir(), 'muster-rp-test-'));
        caFile = join(folder, 'ca.pem');
        await writeFile(caFile, caPem);
      } else {
        op = createHttpServer(handler);
      }
      issuer = `${scheme}://127.0.0.1:${await listen(op)}`;
      rp = await startApacheRp({ issuer, clientId: CLIENT_ID, kid: 'apache-rp-key', authRequestParams: { max_age: 300 }, caFile });
      provider = new Provider(issuer, {
        clients: [
          {
            client_id: CLIENT_ID,
            token_endpoint_auth_method: 'private_key_jwt',
            token_endpoint_auth_signing_alg: 'RS256',
            jwks: rp.jwks as { keys: [] },
            redirect_uris: [rp.redirectUri],
            post_logout_redirect_uris: [`${rp.origin}/`],
            response_types: ['code'],
            grant_types: ['authorization_code'],
          },
        ],
        jwks: { keys: [rsaJwk()] },
        cookies: { keys: [randomBytes(32).toString('hex')] },
        features: { devInteractions: { enabled: false } },
        interactions: { url: (_ctx: unknown, details: { uid: string }) => `/interaction/${details.uid}` },
        findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
      });
    });

    after(async () => {
      await rp?.close();
      if (op) await close(op);
      if (folder) await rm(folder, { recursive: true, force: true });
    });

    test('the protected page sends the browser to the OP, and after the login shows the sub', async () => {
      const browser = browserFetch();
      const login = await browser.get(rp.url);
      assert.equal(login.status, 200, login.body);
      assert.match(login.url, new RegExp(`^${issuer}/interaction/`));
      const authorization = new URL(login.chain.find((url) => url.startsWith(`${issuer}/auth`)) as string);
      assert.equal(authorization.searchParams.get('client_id'), CLIENT_ID);
      assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authorization.searchParams.get('max_age'), '300');
      assert.equal(authorization.searchParams.get('redirect_uri'), rp.redirectUri);

      const page = await browser.submit(login, { login: 'jane.doe' });
      assert.equal(page.status, 200, `${page.body}\n${await rp.errorLog()}`);
      assert.equal(page.url, rp.url);
      assert.ok(
        page.chain.some((url) => url.startsWith(`${rp.redirectUri}?`)),
        'back through the redirect URI',
      );
      const echo = readEcho(page.body);
      assert.equal(echo.remoteUser, 'jane.doe');
      assert.equal(echo.claims.sub, 'jane.doe');
      assert.equal(echo.claims.iss, issuer);
      assert.equal(echo.claims.aud, CLIENT_ID);
      assert.ok(echo.idToken?.split('.').length === 3, 'the ID token is passed on');

      // the session holds: no second trip to the OP
      const again = await browser.get(rp.url);
      assert.equal(again.status, 200);
      assert.deepEqual(again.chain, [rp.url]);
      assert.equal(readEcho(again.body).claims.sub, 'jane.doe');
    });

    test('another browser without the session is sent to sign in', async () => {
      const stranger = await browserFetch().get(rp.url, { stopAt: (url) => url.href.startsWith(issuer) });
      assert.equal(stranger.status, 302);
      assert.match(stranger.headers.get('location') ?? '', new RegExp(`^${issuer}/auth\\?`));
    });

    test('logout ends the local session and the one at the OP', async () => {
      const browser = browserFetch();
      await browser.submit(await browser.get(rp.url), { login: 'john.roe' });
      const logout = await browser.get(rp.logoutUrl());
      // oidc-provider asks the user to confirm the end of the session: a form to submit
      assert.match(logout.url, new RegExp(`^${issuer}/session/end`));
      const done = await browser.submit(logout, { logout: 'yes' });
      assert.equal(done.status, 200, done.body);
      const afterwards = await browser.get(rp.url, { stopAt: (url) => url.href.startsWith(issuer) });
      assert.equal(afterwards.status, 302, 'signed out at the RP');
      const atOp = await browser.get(afterwards.headers.get('location') as string);
      assert.match(atOp.url, new RegExp(`^${issuer}/interaction/`), 'and at the OP');
    });

    if (scheme === 'https') {
      test("an RP that does not trust the OP's CA cannot reach it", async () => {
        const untrusting = await startApacheRp({ issuer, clientId: CLIENT_ID });
        try {
          const page = await browserFetch().get(untrusting.url);
          assert.equal(page.status, 500);
          assert.match(await untrusting.errorLog(), /SSL certificate problem/);
        } finally {
          await untrusting.close();
        }
      });
    }
  });
}

signInSuite('http');
signInSuite('https');

describe('Chromium presents a client certificate from a PKCS#12', { skip: chromiumSkip() }, () => {
  const passphrase = PASSPHRASE;
  let pki: Pki;
  let server: Server;
  let origin: string;
  let browser: Browser;

  before(async () => {
    pki = pkiOnce();
    // the server asks for a certificate, accepts any and says what it got, and whether it chains to the CA
    server = createHttpsServer({ key: pki.serverKeyPem, cert: pki.serverCertPem, ca: [pki.caPem], requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      const presented = peer && Object.keys(peer).length > 0;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><title>certificate</title><pre id="subject">${presented ? escapeHtml(JSON.stringify({ CN: peer.subject.CN, O: peer.subject.O, OU: peer.subject.OU })) : 'none'}</pre><pre id="authorized">${socket.authorized}</pre>`,
      );
    });
    origin = `https://127.0.0.1:${await listen(server)}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (server) await close(server);
  });

  test('the server sees the certificate and its chain to the test CA', async () => {
    const context = await newContextWithClientCertificate(browser, { origin, pfx: pki.clientPfx, passphrase });
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      assert.deepEqual(JSON.parse(await page.locator('#subject').innerText()), { CN: 'Jane Doe 1234567890', O: 'Agency', OU: 'People' });
      assert.equal(await page.locator('#authorized').innerText(), 'true');
    } finally {
      await context.close();
    }
  });

  test('a context without one presents none', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      assert.equal(await page.locator('#subject').innerText(), 'none');
    } finally {
      await context.close();
    }
  });
});

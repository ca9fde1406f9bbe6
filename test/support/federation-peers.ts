// Relying parties of a started muster (test/support/federation.ts): the reference RP built on muster/rp, registered
// under a trust agreement, with the ID tokens it was given and the SETs pushed to it kept for the test to look at;
// and a PIV sign-in without a browser: a cookie-jar client that presents the card's certificate on the mutual-TLS hop.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { issueTlsServerCertificate } from '../../src/pki/tls-server.ts';
import { loadOrCreateTlsCa } from '../../src/pki/store/tls-ca.ts';
import { caStoreOptions } from '../../src/runtime/pki.ts';
import { tlsFetch, type RpFetch } from '../../src/rp/fetch.ts';
import { createReferenceRp, type ReferenceRp } from '../../src/rp/reference/app.ts';
import type { BrowserFetch } from './browser-fetch.ts';
import { type AgreementTerms, type CertificateCredential, type FederatedMuster, registerRelyingParty, rpKeyPair } from './federation.ts';

export const HOME_AGENCY = 'agency_code:9700';

/** The RP's side of the agreement: muster is the PIV IdP for the demo agency, FAL2, AAL2 at least, the leaver signals acted on. */
export function rpAgreementsWithMuster(issuer: string): Record<string, unknown>[] {
  return [
    {
      id: 'demo-agency',
      issuer,
      homeAgencies: [HOME_AGENCY],
      minFal: 'fal2',
      minAal: 'aal2',
      maxAuthenticationAgeSeconds: 3600,
      attributes: ['name', 'email'],
      signals: { 'account-disabled': 'disable-account', 'session-revoked': 'end-sessions', 'credential-change': 'end-sessions', 'account-enabled': 'enable-account' },
    },
  ];
}

/** A SET as it reached the relying party, and what the RP answered. */
export interface TappedSet {
  readonly body: string;
  readonly contentType: string | undefined;
  readonly status: number;
}

export interface RunningReferenceRp {
  readonly rp: ReferenceRp;
  readonly url: string;
  readonly clientId: string;
  /** The claims of every ID token the RP received at the token endpoint, oldest first. */
  readonly idTokens: Record<string, unknown>[];
  /** Every SET pushed to the RP, oldest first. */
  readonly sets: TappedSet[];
  close(): Promise<void>;
}

export interface ReferenceRpSetup {
  readonly clientId: string;
  readonly agreementId: string;
  readonly terms?: AgreementTerms;
  /** The RP's own trust agreements; default rpAgreementsWithMuster. */
  readonly rpAgreements?: (issuer: string) => Record<string, unknown>[];
  /**
   * FAL3 holder-of-key: the RP serves https (certificate from muster's CA) and asks subscribers for their certificate;
   * muster's agreement sets FAL3 with the IdP-managed bound authenticator. No signals are pushed to it.
   */
  readonly fal3?: boolean;
}

/** The RP's side at FAL3: muster is the PIV IdP for the demo agency at FAL3 and AAL3. */
export function rpFal3AgreementsWithMuster(issuer: string): Record<string, unknown>[] {
  return rpAgreementsWithMuster(issuer).map((a) => ({ ...a, minFal: 'fal3', minAal: 'aal3' }));
}

/** A fetch that keeps the claims of the ID tokens in token endpoint responses. */
function recordingFetch(inner: RpFetch, idTokens: Record<string, unknown>[]): RpFetch {
  return async (url, init) => {
    const response = await inner(url, init);
    if (new URL(url).pathname.endsWith('/token') && response.ok) {
      const body = (await response.clone().json()) as { id_token?: string };
      if (body.id_token) idTokens.push(decodeJwt(body.id_token));
    }
    return response;
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** A pass-through in front of the RP's push endpoint that keeps each SET and the RP's answer. */
async function signalTap(target: () => string, sets: TappedSet[]): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      const headers: Record<string, string> = { 'content-type': req.headers['content-type'] ?? '' };
      if (req.headers.authorization) headers.authorization = req.headers.authorization;
      const answer = await fetch(target(), { method: 'POST', headers, body });
      const text = await answer.text();
      sets.push({ body, contentType: req.headers['content-type'], status: answer.status });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
    })().catch((error: unknown) => res.writeHead(502).end(String(error)));
  });
  const url = await listen(server);
  return { url: `${url}/signals`, close: () => closeServer(server) };
}

/** The reference RP on a loopback port, registered with muster under its own trust agreement, its SETs pushed through a tap. */
export async function startReferenceRp(fm: FederatedMuster, setup: ReferenceRpSetup): Promise<RunningReferenceRp> {
  const keys = rpKeyPair(`${setup.clientId}-key`);
  const idTokens: Record<string, unknown>[] = [];
  const sets: TappedSet[] = [];
  const agreements = (setup.rpAgreements ?? (setup.fal3 ? rpFal3AgreementsWithMuster : rpAgreementsWithMuster))(fm.issuer);
  const rp = createReferenceRp({
    issuer: fm.issuer,
    clientId: setup.clientId,
    privateJwk: keys.privateJwk,
    agreements,
    fetch: recordingFetch(tlsFetch({ ca: fm.caPem }), idTokens),
    allowInsecureHttp: true,
    log: () => {},
    ...(setup.fal3 ? { tls: { ...(await rpServerCertificate(fm)), ca: fm.caPem, requestCert: true } } : {}),
  });
  const { url } = await rp.listen(0, '127.0.0.1');
  const tap = await signalTap(() => `${url}/signals`, sets);
  await registerRelyingParty(
    fm,
    setup.agreementId,
    {
      clientId: setup.clientId,
      name: `Reference RP ${setup.clientId}`,
      redirectUris: [`${url}/callback`],
      jwks: { keys: [keys.publicJwk] },
      ...(setup.fal3 ? { fal: 'fal3', boundAuthenticator: 'idp' } : { signalEndpoint: tap.url }),
    },
    setup.terms,
  );
  return {
    rp,
    url,
    clientId: setup.clientId,
    idTokens,
    sets,
    close: async () => {
      await tap.close();
      await rp.close();
    },
  };
}

/** A TLS server certificate for 127.0.0.1 from muster's CA, for an RP served over https. */
async function rpServerCertificate(fm: FederatedMuster): Promise<{ key: string; cert: string }> {
  const ca = await fm.muster.ca();
  const tlsCa = await loadOrCreateTlsCa(fm.muster.store, ca, await caStoreOptions(fm.muster.config, fm.muster.clock));
  const { key, cert, chain } = await issueTlsServerCertificate(tlsCa, [tlsCa.certificate], ['127.0.0.1'], fm.muster.clock.now());
  return { key, cert: [cert, ...chain].join('\n') };
}

/** The href of the PIV link on muster's sign-in page. */
export function pivLinkOf(html: string): string | undefined {
  const href = /<a [^>]*id="piv" href="([^"]+)"/.exec(html)?.[1];
  return href?.replace(/&amp;/g, '&').replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
}

interface MtlsAnswer {
  readonly status: number;
  readonly location: string | null;
  readonly setCookies: string[];
  readonly body: string;
}

/** One GET over mutual TLS, presenting the credential's certificate, with the browser's cookies for the URL. */
function mtlsGet(url: string, credential: CertificateCredential, caPem: string, cookies: Record<string, string>): Promise<MtlsAnswer> {
  const cookie = Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      { method: 'GET', agent: false, ca: caPem, cert: credential.certPem, key: credential.keyPem, headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, location: response.headers.location ?? null, setCookies: response.headers['set-cookie'] ?? [], body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** A page the subscriber ended on. */
export interface SignInPage {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

const REDIRECT = (status: number) => status >= 300 && status < 400;

/**
 * A subscriber with a PIV card at a browser without a browser: starts at `start` (the RP's login) and follows the
 * redirects to muster's sign-in page, takes its PIV link, allows the release when muster asks, and ends on the first
 * page that is none of these. The certificate is presented to muster's mutual-TLS listener and to `presentTo`
 * (an RP over mutual TLS); every other hop goes through `browser`.
 */
export async function certificateSignIn(fm: FederatedMuster, browser: BrowserFetch, start: string, credential: CertificateCredential, presentTo: readonly string[] = []): Promise<SignInPage> {
  const withCertificate = new Set([fm.mtlsOrigin, ...presentTo]);
  let next = new URL(start);
  let tookPivLink = false;
  for (let hop = 0; hop < 30; hop += 1) {
    const page = withCertificate.has(next.origin) ? await certificateHop(fm, browser, next, credential) : await browser.get(next, { follow: false });
    const location = page.headers.get('location');
    if (REDIRECT(page.status) && location) {
      next = new URL(location, next);
      continue;
    }
    const piv = pivLinkOf(page.body);
    if (page.status === 200 && piv && !tookPivLink) {
      tookPivLink = true;
      next = new URL(piv);
      continue;
    }
    if (page.status !== 200 || !/name="decision" value="accept"/.test(page.body)) return { url: page.url, status: page.status, body: page.body };
    const allowed = await browser.submit({ ...page, chain: [page.url] }, { decision: 'accept' }, { follow: false });
    next = new URL(allowed.headers.get('location') ?? page.url, page.url);
  }
  throw new Error(`the sign-in from ${start} did not end`);
}

async function certificateHop(fm: FederatedMuster, browser: BrowserFetch, url: URL, credential: CertificateCredential): Promise<{ url: string; status: number; body: string; headers: Headers }> {
  const answer = await mtlsGet(url.href, credential, fm.caPem, browser.cookiesFor(url));
  for (const cookie of answer.setCookies) browser.setCookie(url, cookie);
  const headers = new Headers(answer.location ? { location: answer.location } : {});
  return { url: url.href, status: answer.status, body: answer.body, headers };
}

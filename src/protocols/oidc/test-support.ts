import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Interaction, Provider } from 'oidc-provider';
import type { Harness } from '../../../test/support/muster.ts';
import { ACR, type Aal, type CredentialType } from '../../core/federation/profile.ts';
import { MusterError } from '../../core/errors.ts';
import { cookieKeys } from './cookie-keys.ts';
import { currentJwks, maintainSigningKeys } from './keys.ts';
import { oidcListener } from './listener.ts';
import { createProvider, type OpInteractions } from './provider.ts';
import { interactionPathOf } from './routes.ts';

/**
 * Test-only sign-in pages: every login finishes at once as the identity and credential set in `next`, and consent
 * is granted for what was asked. They stand in for src/protocols/oidc/interactions in the OP's tests.
 */
export interface TestLogin {
  identityId: string;
  credentialId: string;
  credentialType?: CredentialType;
  aal?: Aal;
  certThumbprint?: string | null;
  authTime?: Date;
}

export interface TestOp {
  readonly issuer: string;
  readonly provider: Provider;
  /** Who signs in next. */
  next: TestLogin | undefined;
  close(): Promise<void>;
}

function refuseOutsideTests(): void {
  if (process.env.MUSTER_TEST !== '1') throw new MusterError('MUSTER_ERR_TEST_ONLY', 'the OP test sign-in pages run only under MUSTER_TEST=1');
}

async function interact(op: TestOp, h: Harness, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const details = await op.provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    const who = op.next;
    if (!who) throw new Error('no test login set');
    const ts = Math.floor((who.authTime ?? h.clock.now()).getTime() / 1000);
    const aal = who.aal ?? 'aal3';
    const piv = { credentialId: who.credentialId, credentialType: who.credentialType ?? 'piv_card', aal, certThumbprint: who.certThumbprint ?? null };
    await op.provider.interactionFinished(req, res, { login: { accountId: who.identityId, acr: ACR[aal], amr: ['sc', 'pin', 'mfa'], ts, piv } }, { mergeWithLastSubmission: false });
    return true;
  }
  await grantWhatWasAsked(op.provider, req, res, details);
  return true;
}

/** Test consent: grants the scopes and claims the interaction asks for, and finishes it. */
export async function grantWhatWasAsked(provider: Provider, req: IncomingMessage, res: ServerResponse, details: Interaction): Promise<void> {
  refuseOutsideTests();
  const grant = new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope));
  const missing = (details.prompt.details as { missingOIDCClaims?: string[] }).missingOIDCClaims;
  if (missing) grant.addOIDCClaims(missing);
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

/** muster's provider on a loopback port over the harness's store; its sign-in pages and policy given by the test. */
export interface ServedTestOp {
  readonly issuer: string;
  readonly provider: Provider;
  close(): Promise<void>;
}

export interface TestSignInPages {
  /** oidc-provider's interaction policy; default its own. */
  readonly policy?: OpInteractions['policy'];
  handle(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Wraps the OP's listener (e.g. the request log). */
  readonly wrap?: (listener: (req: IncomingMessage, res: ServerResponse) => boolean) => (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Told of every request answered server_error. */
  readonly onServerError?: (error: unknown, request: { method: string; path: string; clientId: string | undefined }) => void;
}

export async function serveTestOp(h: Harness, pages: TestSignInPages): Promise<ServedTestOp> {
  refuseOutsideTests();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
  await maintainSigningKeys(h.store, h.keyVault, h.clock, { rotationDays: h.config.federation.oidc.keyRotationDays, maxTokenTtlSeconds: 600 });
  const provider = createProvider({
    store: h.store,
    clock: h.clock,
    audit: h.audit,
    config: h.config,
    issuer,
    interactions: { ...(pages.policy ? { policy: pages.policy } : {}), url: (_ctx, interaction) => `${interactionPathOf(issuer)}/${interaction.uid}` },
    jwks: await currentJwks(h.store, h.keyVault, h.clock),
    cookieKeys: await cookieKeys(h.store, h.keyVault),
    ...(pages.onServerError ? { onServerError: pages.onServerError } : {}),
  });
  const own = oidcListener({ issuer, provider: () => provider, interactions: { handle: (req, res) => pages.handle(provider, req, res) }, audit: { store: h.store, audit: h.audit } });
  const listener = pages.wrap ? pages.wrap(own) : own;
  server.on('request', (req, res) => {
    if (!listener(req, res)) res.writeHead(404).end();
  });
  return {
    issuer,
    provider,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An OP on a loopback port over the harness's store, with the test sign-in pages. */
export async function startTestOp(h: Harness, options: Pick<TestSignInPages, 'wrap' | 'onServerError'> = {}): Promise<TestOp> {
  let op: TestOp | undefined;
  const served = await serveTestOp(h, { ...options, handle: (_provider, req, res) => interact(op as TestOp, h, req, res) });
  op = { ...served, next: undefined };
  return op;
}

/** An active credential of the identity, as a card issuance would leave it (for sign-in records to point at). */
export async function testCredential(h: Harness, identityId: string, status = 'active'): Promise<string> {
  const id = randomUUID();
  await h.store.query(`INSERT INTO credentials (id, identity_id, type, status, reference, details, issued_at, updated_at) VALUES ($1, $2, 'piv', $3, $4, '{}', $5, $5)`, [
    id,
    identityId,
    status,
    `card-${id.slice(0, 8)}`,
    h.clock.now(),
  ]);
  return id;
}

/** A user agent with a cookie jar that follows the OP's redirects until one leaves for `stopAt` (the RP's redirect URI). */
export async function browse(start: URL, stopAt: (url: URL) => boolean, jar = new Map<string, string>()): Promise<URL> {
  let url = start;
  for (let hop = 0; hop < 12; hop += 1) {
    if (stopAt(url)) return url;
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const set of response.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const at = (pair ?? '').indexOf('=');
      jar.set((pair ?? '').slice(0, at), (pair ?? '').slice(at + 1));
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`no redirect from ${url.href}: ${response.status} ${await response.text()}`);
    url = new URL(location, url);
  }
  throw new Error('too many redirects');
}

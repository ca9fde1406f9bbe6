import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import type { AuditWriter } from '../../../audit/writer.ts';
import type { MusterConfig } from '../../../config/schema.ts';
import type { Clock } from '../../../core/clock.ts';
import type { CaMaterial } from '../../../pki/store/ca-store.ts';
import { X509Certificate } from '../../../pki/x509.ts';
import type { Store } from '../../../store/store.ts';
import { CrlCache, type CrlFetcher } from './crl-cache.ts';
import * as handlers from './handlers.ts';
import type { Exchange, HandlerDeps } from './handlers.ts';
import { page } from './html.ts';
import { refusalPage } from './pages.ts';
import { createPolicy, type InteractionPolicy } from './policy.ts';
import type { InteractionProvider } from './provider-shapes.ts';
import { refusalStatus, SignInRefused } from './refusal.ts';
import { sendAsset, sendHtml, sendJson } from './respond.ts';
import { auditRefusal } from './sign-in.ts';

export interface InteractionDeps {
  store: Store;
  clock: Clock;
  audit: AuditWriter;
  config: MusterConfig;
  ca: () => Promise<CaMaterial>;
  /** PEM trust anchors for other agencies' PIV certificates; none: only muster's own certificates sign in. */
  foreignAnchors?: readonly string[];
  /** How other agencies' CRLs are fetched (default: HTTP with a 5 s timeout). */
  fetchCrl?: CrlFetcher;
  /** Told about an unexpected failure (the browser sees a plain error page). */
  onError?: (error: unknown) => void;
}

export interface Interactions {
  /** oidc-provider's `interactions.policy`. */
  readonly policy: InteractionPolicy;
  /** oidc-provider's `interactions.url`: '/oidc/interaction/<uid>' relative to the issuer's origin. */
  url(ctx: unknown, interaction: { uid: string }): string;
  /** Handles /oidc/interaction/* on both the plain and the mutual-TLS listener; returns false when the path is not its own. */
  handle(req: IncomingMessage, res: ServerResponse, provider: Provider, mtlsOrigin: string): Promise<boolean>;
}

export const INTERACTION_PATH = '/oidc/interaction';

type Handler = (x: Exchange) => Promise<void>;
const UID = '([A-Za-z0-9_-]{8,64})';
const route = (method: string, tail: string, run: Handler, json = false) => ({ method, pattern: new RegExp(`^${INTERACTION_PATH}/${UID}${tail}$`), run, json });
const ROUTES = [
  route('GET', '', handlers.showInteraction),
  route('GET', '/piv', handlers.certificateSignIn),
  route('GET', '/piv/complete', handlers.completeCertificateSignIn),
  route('GET', '/webauthn/options', handlers.webauthnOptions, true),
  route('POST', '/webauthn', handlers.webauthnSignIn, true),
  route('POST', '/consent', handlers.submitConsent),
  route('POST', '/abort', handlers.abortInteraction),
];

const ASSETS: Record<string, { type: string; body: string }> = {
  [`${INTERACTION_PATH}/sign-in.js`]: { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./sign-in.js', import.meta.url), 'utf8') },
  [`${INTERACTION_PATH}/sign-in.css`]: { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./sign-in.css', import.meta.url), 'utf8') },
};

/** oidc-provider's own "no such interaction or session" errors mean the sign-in is over. */
function asRefusal(error: unknown): SignInRefused | undefined {
  if (error instanceof SignInRefused) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'SessionNotFound' || name === 'InvalidRequest') return new SignInRefused('interaction-expired', 'this sign-in has expired or was already finished; return to the service and start again');
  return undefined;
}

async function respondRefusal(x: Exchange, refusal: SignInRefused, json: boolean): Promise<void> {
  await auditRefusal(x.deps, refusal, x.uid, x.clientId, json ? 'webauthn' : x.url.pathname.includes('/piv') ? 'certificate' : 'consent');
  const status = refusalStatus(refusal.reason);
  if (json) return sendJson(x.res, status, { error: status === 400 ? 'invalid_request' : 'access_denied', error_description: refusal.userMessage, reason: refusal.reason });
  const retry = refusal.reason === 'interaction-expired' || refusal.reason === 'no-agreement' ? undefined : `${x.issuerOrigin}${INTERACTION_PATH}/${encodeURIComponent(x.uid)}`;
  sendHtml(x.res, status, refusalPage(refusal.userMessage, retry));
}

async function run(x: Exchange, handler: Handler, json: boolean): Promise<void> {
  try {
    await handler(x);
  } catch (error) {
    const refusal = asRefusal(error);
    if (refusal) return respondRefusal(x, refusal, json);
    x.deps.onError?.(error);
    if (x.res.headersSent) {
      x.res.destroy();
      return;
    }
    if (json) return sendJson(x.res, 500, { error: 'server_error', error_description: 'the sign-in failed unexpectedly; try again' });
    sendHtml(x.res, 500, page('Sign-in failed', '<p class="error">Something went wrong on our side. Return to the service and try again.</p>'));
  }
}

/**
 * The OP's sign-in interactions: PIV card or PKI-based Derived PIV by TLS client certificate (on the mutual-TLS
 * listener), FIDO2 Derived PIV by WebAuthn, runtime consent, and the prompt policy that enforces muster's
 * reauthentication and assurance rules. Plain node req/res; server-rendered pages under a strict CSP.
 */
export function createInteractions(deps: InteractionDeps): Interactions {
  const anchors = (deps.foreignAnchors ?? []).map((pem) => new X509Certificate(pem));
  const handlerDeps: HandlerDeps = { ...deps, trust: { anchors, clock: deps.clock, crls: new CrlCache(deps.clock, deps.fetchCrl) } };
  return {
    policy: createPolicy(deps),
    url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`,
    async handle(req, res, provider, mtlsOrigin) {
      const url = new URL(req.url ?? '/', 'http://interaction.invalid');
      if (url.pathname !== INTERACTION_PATH && !url.pathname.startsWith(`${INTERACTION_PATH}/`)) return false;
      const asset = ASSETS[url.pathname];
      if (asset && req.method === 'GET') return (sendAsset(res, asset.type, asset.body), true);
      const found = ROUTES.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).find(({ m }) => m !== null);
      if (!found || found.r.method !== req.method) {
        sendHtml(res, found ? 405 : 404, page('Not found', '<p>There is no sign-in page here.</p>'));
        return true;
      }
      const models: InteractionProvider = provider;
      const x: Exchange = { req, res, url, uid: found.m![1]!, provider: models, issuerOrigin: new URL(models.issuer).origin, mtlsOrigin: mtlsOrigin.replace(/\/+$/, ''), deps: handlerDeps };
      await run(x, found.r.run, found.r.json);
      return true;
    },
  };
}

export type { InteractionPolicy } from './policy.ts';
export { REFUSAL_REASONS, type RefusalReason } from './refusal.ts';

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditWriter } from '../../../audit/writer.ts';
import type { MusterConfig } from '../../../config/schema.ts';
import { agencyNetworkPolicy } from '../../../connectors/outbound/index.ts';
import type { Clock } from '../../../core/clock.ts';
import type { CaMaterial } from '../../../pki/store/ca-store.ts';
import { X509Certificate } from '../../../pki/x509.ts';
import type { Store } from '../../../store/store.ts';
import { interactionPathOf } from '../routes.ts';
import { CrlCache, type CrlFetcher, httpCrlFetcherFor } from './crl-cache.ts';
import type { Exchange, HandlerDeps } from './exchange.ts';
import type { Answer } from './pages.ts';
import { createPolicy, type InteractionPolicy } from './policy.ts';
import type { InteractionProvider } from './provider-shapes.ts';
import type { SignInRefused } from './refusal.ts';
import { type StepName, type StepRoute, STEP_ROUTES, runStep, settleRefusal } from './run.ts';

export interface InteractionDeps {
  store: Store;
  clock: Clock;
  audit: AuditWriter;
  config: MusterConfig;
  /** The OP's issuer: the pages live below its path (`<issuer>/interaction/<uid>`). */
  issuer: string;
  ca: () => Promise<CaMaterial>;
  /** PEM trust anchors for other agencies' PIV certificates; none: only muster's own certificates sign in. */
  foreignAnchors?: readonly string[];
  /** PEM intermediate CAs of other agencies: used to build a card's path to those anchors, never trusted themselves. */
  foreignIntermediates?: readonly string[];
  /** How other agencies' CRLs are fetched (default: HTTP through the outbound client, 5 s, within `outbound.agencyNetworks`). */
  fetchCrl?: CrlFetcher;
  /** Told about an unexpected failure (the browser sees a plain error page). */
  onError?: (error: unknown) => void;
}

/** One request to a step, as the HTTP face hands it over. */
export interface StepRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly uid: string;
  readonly provider: InteractionProvider;
  /** The mutual-TLS listener's origin (where the PIV sign-in path is). */
  readonly mtlsOrigin: string;
  /** The body, read by the face within its size limit. */
  text(): Promise<string>;
}

export interface Interactions {
  /** oidc-provider's `interactions.policy`. */
  readonly policy: InteractionPolicy;
  /** Where the pages live on the issuer's host: `<issuer's path>/interaction`. */
  readonly path: string;
  /** The steps, each with its method and path below `<path>/<uid>`. */
  readonly routes: readonly StepRoute[];
  /** oidc-provider's `interactions.url`: `<path>/<uid>`, relative to the issuer's origin. */
  url(ctx: unknown, interaction: { uid: string }): string;
  /** Runs a step: its answer, or the refusal (audited) or failure it came to. */
  run(step: StepName, request: StepRequest): Promise<Answer>;
  /** A request refused before its step ran (another site's form, a body too large): audited, answered with `status`. */
  refuse(step: StepName, request: Pick<StepRequest, 'uid'>, refusal: SignInRefused, status: number): Promise<Answer>;
}

/**
 * The OP's sign-in interactions: PIV card or PKI-based Derived PIV by TLS client certificate (on the mutual-TLS
 * listener), FIDO2 Derived PIV by WebAuthn, runtime consent, and the prompt policy that enforces muster's
 * reauthentication and assurance rules. Framework-free: each step takes the request and returns its answer (a page
 * as data, JSON or a redirect); the HTTP face (src/http/sign-in/) routes, guards, renders and sends.
 */
export function createInteractions(deps: InteractionDeps): Interactions {
  const anchors = (deps.foreignAnchors ?? []).map((pem) => new X509Certificate(pem));
  const intermediates = (deps.foreignIntermediates ?? []).map((pem) => new X509Certificate(pem));
  const handlerDeps: HandlerDeps = {
    ...deps,
    trust: { anchors, intermediates, clock: deps.clock, crls: new CrlCache(deps.clock, deps.fetchCrl ?? httpCrlFetcherFor(agencyNetworkPolicy(deps.config.outbound.agencyNetworks))) },
  };
  const path = interactionPathOf(deps.issuer);
  const exchange = (request: StepRequest): Exchange => {
    const { req } = request;
    return {
      ...request,
      url: new URL(req.url ?? '/', 'http://interaction.invalid'),
      contentType: req.headers['content-type'] ?? '',
      issuerOrigin: new URL(request.provider.issuer).origin,
      mtlsOrigin: request.mtlsOrigin.replace(/\/+$/, ''),
      path,
      deps: handlerDeps,
    };
  };
  return {
    policy: createPolicy(deps),
    path,
    routes: STEP_ROUTES,
    url: (_ctx, interaction) => `${path}/${interaction.uid}`,
    run: (step, request) => runStep(step, exchange(request)),
    refuse: (step, request, refusal, status) => settleRefusal(step, { uid: request.uid, path, issuerOrigin: new URL(deps.issuer).origin, deps: handlerDeps }, refusal, status),
  };
}

export type { InteractionPolicy } from './policy.ts';
export type { Answer, SignInPage } from './pages.ts';
export type { StepName, StepRoute } from './run.ts';
export { REFUSAL_REASONS, SignInRefused, type RefusalReason } from './refusal.ts';

import type { Exchange } from './exchange.ts';
import { abortSignIn } from './pipeline/abort.ts';
import { runPipeline, type SignInStep } from './pipeline/context.ts';
import { findInteraction } from './pipeline/find-interaction.ts';
import { finishSignIn } from './pipeline/finish-sign-in.ts';
import { holdTicket } from './pipeline/hold-ticket.ts';
import { loadParty } from './pipeline/load-party.ts';
import { ownInteraction } from './pipeline/own-interaction.ts';
import { requireAccessGrant } from './pipeline/require-access-grant.ts';
import { requireEnoughAal } from './pipeline/require-aal.ts';
import { requireTls } from './pipeline/require-tls.ts';
import { requireIssuerOrigin } from './pipeline/same-origin.ts';
import { showPage } from './pipeline/show-page.ts';
import { submitConsent } from './pipeline/submit-consent.ts';
import { takeTicket } from './pipeline/take-ticket.ts';
import { verifyCertificate } from './pipeline/verify-certificate.ts';
import { verifyWebAuthn } from './pipeline/verify-webauthn.ts';
import { webauthnOptions } from './pipeline/webauthn-options.ts';
import { type Answer, jsonAnswer, pageAnswer } from './pages.ts';
import { refusalStatus, SignInRefused } from './refusal.ts';
import { auditRefusal, type SignInMethod } from './sign-in.ts';

export type StepName = 'show' | 'certificate' | 'certificate-complete' | 'webauthn-options' | 'webauthn' | 'consent' | 'abort';

/** A step of the sign-in pages: its method, its path below `<path>/<uid>`, and whether it answers JSON. */
export interface StepRoute {
  readonly step: StepName;
  readonly method: 'GET' | 'POST';
  readonly tail: string;
  readonly json: boolean;
}

interface StepDefinition extends StepRoute {
  /** Its pipeline: the steps in order, each one rule (src/protocols/oidc/interactions/pipeline/). */
  readonly run: readonly SignInStep[];
  /** How a refusal of this step is audited. */
  readonly signIn: SignInMethod;
}

const STEPS: readonly StepDefinition[] = [
  { step: 'show', method: 'GET', tail: '', json: false, run: [ownInteraction(), loadParty, requireAccessGrant, showPage], signIn: 'consent' },
  {
    step: 'certificate',
    method: 'GET',
    tail: '/piv',
    json: false,
    run: [requireTls, findInteraction, loadParty, verifyCertificate, requireEnoughAal, requireAccessGrant, holdTicket],
    signIn: 'certificate',
  },
  { step: 'certificate-complete', method: 'GET', tail: '/piv/complete', json: false, run: [ownInteraction('login'), loadParty, takeTicket, finishSignIn('redirect')], signIn: 'certificate' },
  { step: 'webauthn-options', method: 'GET', tail: '/webauthn/options', json: true, run: [ownInteraction('login'), loadParty, webauthnOptions], signIn: 'webauthn' },
  {
    step: 'webauthn',
    method: 'POST',
    tail: '/webauthn',
    json: true,
    run: [requireIssuerOrigin, ownInteraction('login'), loadParty, verifyWebAuthn, requireEnoughAal, requireAccessGrant, finishSignIn('json')],
    signIn: 'webauthn',
  },
  { step: 'consent', method: 'POST', tail: '/consent', json: false, run: [ownInteraction('consent'), loadParty, requireAccessGrant, submitConsent], signIn: 'consent' },
  { step: 'abort', method: 'POST', tail: '/abort', json: false, run: [ownInteraction(), abortSignIn], signIn: 'consent' },
];

export const STEP_ROUTES: readonly StepRoute[] = STEPS.map(({ step, method, tail, json }) => ({ step, method, tail, json }));

function definition(step: StepName): StepDefinition {
  const found = STEPS.find((s) => s.step === step);
  if (!found) throw new TypeError(`no sign-in step ${step}`);
  return found;
}

/** oidc-provider's own "no such interaction or session" errors mean the sign-in is over. */
function asRefusal(error: unknown): SignInRefused | undefined {
  if (error instanceof SignInRefused) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'SessionNotFound' || name === 'InvalidRequest')
    return new SignInRefused('interaction-expired', 'this sign-in has expired or was already finished; return to the service and start again');
  return undefined;
}

/** What a refusal needs of the exchange. */
type RefusalContext = Pick<Exchange, 'uid' | 'path' | 'issuerOrigin' | 'deps' | 'clientId'>;

/** Audits the refusal and answers it: a page (with a way back to the sign-in choices where one helps) or JSON. */
export async function settleRefusal(step: StepName, x: RefusalContext, refusal: SignInRefused, status = refusalStatus(refusal.reason)): Promise<Answer> {
  const { json, signIn } = definition(step);
  await auditRefusal(x.deps, refusal, x.uid, x.clientId, signIn);
  if (json) return jsonAnswer(status, { error: status === 400 || status === 413 ? 'invalid_request' : 'access_denied', error_description: refusal.userMessage, reason: refusal.reason });
  const over = refusal.reason === 'interaction-expired' || refusal.reason === 'no-agreement' || refusal.reason === 'no-access-grant' || refusal.reason === 'access-revoked';
  return pageAnswer(status, { name: 'refusal', message: refusal.userMessage, ...(over ? {} : { retryUrl: `${x.issuerOrigin}${x.path}/${encodeURIComponent(x.uid)}` }) });
}

/** Runs the step; a refusal is audited and answered, any other failure reported and answered 500 without detail. */
export async function runStep(step: StepName, x: Exchange): Promise<Answer> {
  try {
    return await runPipeline(definition(step).run, x);
  } catch (error) {
    const refusal = asRefusal(error);
    if (refusal) return settleRefusal(step, x, refusal);
    x.deps.onError?.(error);
    if (definition(step).json) return jsonAnswer(500, { error: 'server_error', error_description: 'the sign-in failed unexpectedly; try again' });
    return pageAnswer(500, { name: 'failure' });
  }
}

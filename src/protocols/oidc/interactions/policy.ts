import { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../../../core/clock.ts';
import { agreementOfClient, type ClientAgreement } from '../../../federation/agreements.ts';
import type { Store } from '../../../store/store.ts';
import { touchLogin } from '../login-record.ts';
import { oncePerRequest } from '../request-state.ts';
import { sessionSignIn } from '../session-sign-in.ts';
import { requiredAal } from './assurance.ts';
import { consentNeeded } from './consent-record.ts';
import { effectiveMaxAge, LOGIN_REASONS, loginReasons, type LoginReason } from './login-verdict.ts';
import type { CheckContext } from './provider-shapes.ts';

/** oidc-provider's prompt list (`interactionPolicy.base()`), passed to `interactions.policy` as it is. */
export type InteractionPolicy = interactionPolicy.DefaultPolicy;

export interface PolicyDeps {
  readonly store: Store;
  readonly clock: Clock;
}

const DESCRIPTIONS: Record<LoginReason, string> = {
  muster_no_login: 'no PIV sign-in is recorded for the session, or it was ended',
  muster_identity_inactive: 'the identity is no longer active',
  muster_reauthentication: 'the sign-in is past its reauthentication limit (overall or idle) for its AAL',
  muster_max_age: 'the sign-in is older than the maximum authentication age',
  muster_aal: 'the relying party needs a higher AAL than the sign-in reached',
};

async function clientAgreement(store: Store, ctx: CheckContext): Promise<ClientAgreement> {
  const clientId = ctx.oidc.client?.clientId ?? String(ctx.oidc.params.client_id ?? '');
  const found = await agreementOfClient(store, clientId);
  if (!found) throw new errors.AccessDenied('the relying party has no active trust agreement');
  return found;
}

/** Reads the session's sign-in (recording the one the interaction just finished) and decides; touches a reused session. */
async function evaluate(deps: PolicyDeps, ctx: CheckContext): Promise<Set<LoginReason>> {
  const { session, params } = ctx.oidc;
  const now = deps.clock.now();
  const accountId = session.accountId;
  const agreement = await clientAgreement(deps.store, ctx);
  const { subject, justSignedIn } = accountId === undefined ? { subject: undefined, justSignedIn: false } : await sessionSignIn(deps, ctx, session.uid);
  const record = subject?.login;
  const reasons = loginReasons({
    accountId,
    record,
    justSignedIn,
    now,
    identityActive: subject?.identity.status === 'active',
    maxAgeSeconds: effectiveMaxAge(params.max_age, agreement.rp?.maxAuthenticationAge),
    requiredAal: requiredAal(agreement.agreement.document, params.acr_values),
  });
  if (reasons.size === 0 && record && !justSignedIn) await touchLogin(deps.store, session.uid, now);
  return reasons;
}

const VERDICT = Symbol('muster.loginVerdict');

/** A prompt check's request: oidc-provider runs the checks of an authorization request once its session and parameters are loaded. */
function checked(ctx: KoaContextWithOIDC): CheckContext {
  if (!ctx.oidc.session || !ctx.oidc.params) throw new TypeError('a prompt check ran without the session and parameters of an authorization request');
  return ctx as KoaContextWithOIDC & CheckContext;
}

/**
 * oidc-provider's default prompts with muster's rules added. Login: a PIV sign-in must be recorded for the session and
 * not ended, the identity active now, the sign-in within the SP 800-63B-4 limits of its AAL (measured with the injected
 * clock), within `max_age` and the agreement's maximum authentication age, and at the AAL the agreement and
 * `acr_values` need. Consent: runtime consent to the agreement's current attributes, unless the agreement allowlists
 * them.
 */
export function createPolicy(deps: PolicyDeps): InteractionPolicy {
  const policy = interactionPolicy.base();
  // the five login checks share one decision per request
  const verdict = (ctx: CheckContext) => oncePerRequest(ctx, VERDICT, '', () => evaluate(deps, ctx));
  const login = policy.get('login')!;
  for (const reason of Object.values(LOGIN_REASONS)) {
    login.checks.add(new interactionPolicy.Check(reason, DESCRIPTIONS[reason], async (ctx) => (await verdict(checked(ctx))).has(reason)));
  }
  const consent = policy.get('consent')!;
  consent.checks.add(
    new interactionPolicy.Check('muster_consent', 'the subscriber has not consented to the attributes the trust agreement releases', async (request) => {
      const ctx = checked(request);
      const accountId = ctx.oidc.session.accountId;
      if (accountId === undefined) return false;
      const clientId = ctx.oidc.client?.clientId ?? String(ctx.oidc.params.client_id ?? '');
      return consentNeeded(deps.store, accountId, clientId, (await clientAgreement(deps.store, ctx)).agreement.document);
    }),
  );
  return policy;
}

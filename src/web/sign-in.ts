import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { ACR } from '../core/federation/profile.ts';
import { identityOfRpSubject } from '../federation/rp-subjects.ts';
import { CONSOLE_PATH } from '../runtime/console.ts';
import type { Store } from '../store/store.ts';
import { clearSessionCookie, clearSignInCookie, sessionSecret, setSessionCookie, setSignInCookie, signInSecret } from './cookies.ts';
import type { ConsoleContext } from './env.ts';
import { continuePage, messagePage } from './pages.ts';
import { consoleRelyingParty } from './relying-party.ts';
import { type ConsoleRoute, openConsoleRoute, selfConsoleRoute } from './route.ts';

/**
 * Signing in to the console through muster's own OP, and out again. `GET /console/sign-in` starts the authorization
 * code flow (the sign-in kept server-side under a fresh secret); `GET /console/callback` takes the OP's answer, has
 * `muster/rp` check it (AAL3 or refused), finds the operator behind the pairwise subject and opens a session under a
 * new secret; `POST /console/sign-out` ends the session and, when the OP offers it, its own (RP-initiated logout).
 */

export interface SignInDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly agencyCode: string;
}

const SIGN_IN_AGAIN = { href: `${CONSOLE_PATH}/sign-in`, text: 'Sign in again' };

function correlation(c: ConsoleContext): string {
  return c.get('correlationId') ?? randomUUID();
}

export function signInRoutes(deps: SignInDeps): Omit<ConsoleRoute, 'roles'>[] {
  const rpOf = (c: ConsoleContext) => consoleRelyingParty(c.get('console'), deps.agencyCode, deps.clock);
  const begin = openConsoleRoute({
    method: 'get',
    path: `${CONSOLE_PATH}/sign-in`,
    handler: async (c) => {
      const { url, record } = await rpOf(c).client.beginSignIn();
      setSignInCookie(c, await c.get('console').sessions.beginSignIn(record));
      return c.redirect(url.href, 303);
    },
  });
  const callback = openConsoleRoute({ method: 'get', path: `${CONSOLE_PATH}/callback`, handler: (c) => finishSignIn(c, deps, rpOf(c)) });
  const signedOut = openConsoleRoute({
    method: 'get',
    path: `${CONSOLE_PATH}/signed-out`,
    handler: (c) => c.html(messagePage('Signed out', 'You are signed out of the muster console.', { link: { href: `${CONSOLE_PATH}/sign-in`, text: 'Sign in' } })),
  });
  const signOut = selfConsoleRoute({ method: 'post', path: `${CONSOLE_PATH}/sign-out`, handler: (c) => signOutHandler(c, rpOf(c)) });
  return [begin, callback, signedOut, signOut];
}

async function finishSignIn(c: ConsoleContext, deps: SignInDeps, rp: ReturnType<typeof consoleRelyingParty>): Promise<Response> {
  const setup = c.get('console');
  const pendingSecret = signInSecret(c);
  clearSignInCookie(c);
  const record = rp.recordOf(await setup.sessions.pendingSignIn(pendingSecret));
  if (!record) return c.html(messagePage('Sign-in expired', 'This sign-in was not started here, or it took too long.', { link: SIGN_IN_AGAIN }), 400);
  const answer = new URL(setup.redirectUri);
  answer.search = new URL(c.req.url).search;
  let result: Awaited<ReturnType<typeof rp.client.completeSignIn>>;
  try {
    result = await rp.client.completeSignIn(answer, record);
  } catch (error) {
    const reason = `the OP's answer was refused: ${(error as Error).message}`;
    await setup.sessions.refuseAnswer(reason, correlation(c));
    return c.html(messagePage('Sign-in refused', reason, { link: SIGN_IN_AGAIN }), 403);
  }
  const { assertion } = result;
  if (assertion.aal !== 'aal3' || assertion.claims.acr !== ACR.aal3) {
    await setup.sessions.refuseAnswer(`the console needs AAL3; the sign-in reached ${assertion.aal}`, correlation(c));
    return c.html(messagePage('Sign-in refused', 'The console needs AAL3: a PIV card or a hardware-backed Derived PIV credential.', { link: SIGN_IN_AGAIN }), 403);
  }
  const identityId = await identityOfRpSubject(deps.store, setup.clientId, assertion.identifier.sub);
  if (!identityId) {
    await setup.sessions.refuseAnswer('the subject the OP asserted names no identity', correlation(c));
    return c.html(messagePage('Sign-in refused', 'muster does not know who signed in.', { link: SIGN_IN_AGAIN }), 403);
  }
  const opened = await setup.sessions.open(pendingSecret, { identityId, authTime: new Date(assertion.authTime * 1000), acr: ACR.aal3, idToken: result.idToken }, correlation(c));
  if (!opened.ok) return c.html(messagePage('Not admitted', 'Only active people of the agency (cardholders and operators) may use the console.'), 403);
  setSessionCookie(c, opened.secret);
  return c.html(continuePage(CONSOLE_PATH));
}

async function signOutHandler(c: ConsoleContext, rp: ReturnType<typeof consoleRelyingParty>): Promise<Response> {
  const setup = c.get('console');
  const operator = c.get('operator');
  await setup.sessions.end(operator.sessionId, operator.actor, 'signed out', correlation(c));
  if (sessionSecret(c) !== undefined) clearSessionCookie(c);
  const endSession = (await rp.client.configuration()).serverMetadata().end_session_endpoint;
  if (!endSession) return c.redirect(`${CONSOLE_PATH}/signed-out`, 303);
  const logout = new URL(endSession);
  if (operator.idToken) logout.searchParams.set('id_token_hint', operator.idToken);
  logout.searchParams.set('client_id', setup.clientId);
  logout.searchParams.set('post_logout_redirect_uri', setup.postLogoutRedirectUri);
  return c.redirect(logout.href, 303);
}

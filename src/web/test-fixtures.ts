// The console answering in-process, for route tests: a sign-in setup over the test's own console sessions, and the
// session cookie of a sign-in made directly (no OP), at the time and ACR the test chooses.
import { randomUUID } from 'node:crypto';
import type { ConsoleSessions } from '../operators/console-sessions.ts';
import type { ConsoleSetup } from '../runtime/console.ts';

export const CONSOLE_ORIGIN = 'http://localhost:8080';
const SIGN_IN = { issuer: `${CONSOLE_ORIGIN}/oidc`, state: 's', nonce: 'n', codeVerifier: 'v', maxAge: 60, createdAt: 0 };

/** The console's sign-in setup with the test's sessions; `extra` adds what a test's routes need (keys, a fetch). */
export function consoleSetupOf(sessions: ConsoleSessions, extra: Record<string, unknown> = {}): ConsoleSetup {
  return {
    issuer: `${CONSOLE_ORIGIN}/oidc`,
    clientId: 'muster-console',
    redirectUri: `${CONSOLE_ORIGIN}/console/callback`,
    postLogoutRedirectUri: `${CONSOLE_ORIGIN}/console/signed-out`,
    sessions,
    ...extra,
  } as unknown as ConsoleSetup;
}

/** The cookie of a console session opened for `identityId`, signed in at `authTime` with `acr`. */
export async function consoleCookie(sessions: ConsoleSessions, identityId: string, authTime: Date, acr: string): Promise<string> {
  const opened = await sessions.open(await sessions.beginSignIn(SIGN_IN), { identityId, authTime, acr, idToken: 't' }, randomUUID());
  if (!opened.ok) throw new Error(opened.reason);
  return `__Host-muster-console=${opened.secret}`;
}

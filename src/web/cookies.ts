import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ConsoleContext } from './env.ts';

/**
 * The console's cookies. Both carry only a random secret whose hash the store keeps; both are `__Host-` prefixed
 * (so Secure, Path=/ and no Domain: browsers take Secure cookies from https and from loopback http only) and HttpOnly.
 * The session cookie is SameSite=Strict. The sign-in cookie is SameSite=Lax: the OP's answer comes back through the
 * mutual-TLS origin, another site, and a Strict cookie would not come with it.
 */
export const SESSION_COOKIE = 'muster-console';
export const SIGN_IN_COOKIE = 'muster-console-sign-in';
const SIGN_IN_SECONDS = 600;

export function sessionSecret(c: ConsoleContext): string | undefined {
  return getCookie(c, `__Host-${SESSION_COOKIE}`);
}

export function signInSecret(c: ConsoleContext): string | undefined {
  return getCookie(c, `__Host-${SIGN_IN_COOKIE}`);
}

export function setSessionCookie(c: ConsoleContext, secret: string): void {
  setCookie(c, SESSION_COOKIE, secret, { prefix: 'host', httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
}

export function setSignInCookie(c: ConsoleContext, secret: string): void {
  setCookie(c, SIGN_IN_COOKIE, secret, { prefix: 'host', httpOnly: true, secure: true, sameSite: 'Lax', path: '/', maxAge: SIGN_IN_SECONDS });
}

export function clearSessionCookie(c: ConsoleContext): void {
  deleteCookie(c, SESSION_COOKIE, { prefix: 'host', path: '/', secure: true });
}

export function clearSignInCookie(c: ConsoleContext): void {
  deleteCookie(c, SIGN_IN_COOKIE, { prefix: 'host', path: '/', secure: true });
}

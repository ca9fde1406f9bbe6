import { pageOf } from '../exchange.ts';
import { redirectAnswer } from '../pages.ts';
import { holdCertificateLogin } from '../steps.ts';
import { loaded, type SignInStep } from './context.ts';

/** Keeps the certificate sign-in and sends the browser back to the issuer's origin with the one-time ticket that completes it. */
export const holdTicket: SignInStep = async (c) => {
  const ticket = await holdCertificateLogin(c.x.deps.store, c.x.uid, loaded(c.login, 'sign-in'), c.x.deps.clock.now());
  c.answer = redirectAnswer(`${c.x.issuerOrigin}${pageOf(c.x)}/piv/complete?ticket=${encodeURIComponent(ticket)}`);
};

import { SignInRefused } from '../refusal.ts';
import { takeCertificateLogin } from '../steps.ts';
import type { SignInStep } from './context.ts';

/** The certificate sign-in the ticket stands for, used up by taking it (a second use, or a late one, finds none). */
export const takeTicket: SignInStep = async (c) => {
  const login = await takeCertificateLogin(c.x.deps.store, c.x.uid, c.x.url.searchParams.get('ticket') ?? '', c.x.deps.clock.now());
  if (!login) throw new SignInRefused('interaction-expired', 'the certificate sign-in was already used or took too long; try again');
  c.login = login;
  c.detail = { method: 'certificate', serial: login.certificate?.serial, issuer: login.certificate?.issuer };
};

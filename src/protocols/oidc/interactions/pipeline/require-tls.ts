import { isTls } from '../peer-certificate.ts';
import { SignInRefused } from '../refusal.ts';
import type { SignInStep } from './context.ts';

/** A certificate sign-in comes over the mutual-TLS listener, where the browser presents the card's certificate. */
export const requireTls: SignInStep = (c) => {
  if (!isTls(c.x.req.socket)) throw new SignInRefused('no-certificate', 'certificate sign-in is only offered over the mutual-TLS address');
};

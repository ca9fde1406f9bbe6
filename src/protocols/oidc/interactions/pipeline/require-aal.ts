import { requireAal } from '../sign-in.ts';
import { loaded, type SignInStep } from './context.ts';

/** The credential must reach the AAL the relying party needs; a lower one is refused rather than looped on. */
export const requireEnoughAal: SignInStep = (c) => {
  requireAal(loaded(c.login, 'sign-in'), loaded(c.party, 'relying party'));
};

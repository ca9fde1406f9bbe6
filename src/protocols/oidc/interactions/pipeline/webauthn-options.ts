import { jsonAnswer } from '../pages.ts';
import { signInWebAuthnPolicy } from '../web-policy.ts';
import { signInOptions } from '../webauthn-sign-in.ts';
import type { SignInStep } from './context.ts';

/** GET <path>/:uid/webauthn/options — a fresh challenge for navigator.credentials.get. */
export const webauthnOptions: SignInStep = async (c) => {
  const { deps } = c.x;
  c.answer = jsonAnswer(200, await signInOptions(deps.store, signInWebAuthnPolicy(deps.config, c.x.provider.issuer), c.x.uid, deps.clock.now()));
};

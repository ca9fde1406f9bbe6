import { redirectAnswer } from '../pages.ts';
import type { SignInStep } from './context.ts';

/** POST <path>/:uid/abort — the subscriber cancels; the RP receives access_denied. */
export const abortSignIn: SignInStep = async (c) => {
  const { x } = c;
  const location = await x.provider.interactionResult(x.req, x.res, { error: 'access_denied', error_description: 'the subscriber cancelled the sign-in' }, { mergeWithLastSubmission: false });
  c.answer = redirectAnswer(location);
};

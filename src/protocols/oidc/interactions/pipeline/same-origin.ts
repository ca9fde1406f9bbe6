import { requireSameOrigin } from '../respond.ts';
import type { SignInStep } from './context.ts';

/** A JSON body (the WebAuthn response) must come from the issuer's own pages when the browser says where it comes from. */
export const requireIssuerOrigin: SignInStep = (c) => {
  requireSameOrigin(c.x.req.headers.origin, c.x.issuerOrigin);
};

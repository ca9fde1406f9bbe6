import { amrOf } from '../assurance.ts';
import { readJson } from '../respond.ts';
import { signInWebAuthnPolicy } from '../web-policy.ts';
import { verifySignIn } from '../webauthn-sign-in.ts';
import type { SignInStep } from './context.ts';

/** The FIDO2 Derived PIV assertion verified against the interaction's challenge (used once). */
export const verifyWebAuthn: SignInStep = async (c) => {
  const { deps } = c.x;
  const body = await readJson(c.x);
  const now = deps.clock.now();
  const match = await verifySignIn(deps.store, signInWebAuthnPolicy(deps.config, c.x.provider.issuer), c.x.uid, body, now);
  c.login = {
    identityId: match.identityId,
    credentialId: match.credentialId,
    credentialType: 'derived_non_pki',
    aal: match.aal,
    amr: amrOf('derived_non_pki', match.aal),
    certThumbprint: null,
    authTime: now,
  };
  c.detail = { method: 'webauthn', authenticator_id: match.authenticatorId };
};

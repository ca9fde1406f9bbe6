import { errors, type Client, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * oidc-provider's `assertJwtClientAuthClaimsAndHeader`: a rule of RFC 7523 §3 it leaves to the deployment. An assertion
 * issued in the future (`iat` past the clock tolerance, even with a later `exp`) is not valid yet. Measured on the clock
 * oidc-provider checks `exp` and `nbf` with (see provider.ts).
 */
export function clientAssertionRules(clockToleranceSeconds: number): (ctx: KoaContextWithOIDC, claims: Record<string, unknown>, header: unknown, client: Client) => void {
  return (_ctx, claims) => {
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.iat === 'number' && claims.iat > now + clockToleranceSeconds) throw new errors.InvalidClientAuth('the client_assertion is issued in the future (iat)');
  };
}

import { issuerPathOf } from '../../config/issuer.ts';

/**
 * The OP's paths below its issuer: the endpoints muster enables in oidc-provider (its default names, given to it
 * explicitly so that the listener takes exactly these), the sign-in pages, and the two metadata documents. An issuer
 * anywhere on a host shares it with muster's own routes (config/issuer.ts MUSTER_OWN_PATHS), which none of these is.
 */
export const OP_ROUTES = Object.freeze({
  authorization: '/auth',
  end_session: '/session/end',
  introspection: '/token/introspection',
  jwks: '/jwks',
  pushed_authorization_request: '/request',
  registration: '/reg',
  revocation: '/token/revocation',
  token: '/token',
  userinfo: '/me',
});

/** The sign-in and consent pages: `<issuer>/interaction/<uid>`. */
export const INTERACTION_ROUTE = '/interaction';

export const DISCOVERY = '/.well-known/openid-configuration';
export const AUTHORIZATION_SERVER_METADATA = '/.well-known/oauth-authorization-server';

/** Every path prefix the OP answers below its issuer's path. */
export const OP_PATHS: readonly string[] = [...new Set([...Object.values(OP_ROUTES), INTERACTION_ROUTE, DISCOVERY, AUTHORIZATION_SERVER_METADATA])];

/** The issuer's path on its host ('' at the root): where the OP is mounted. */
export const mountPathOf = issuerPathOf;

/** Where the sign-in pages live on the issuer's host: `/oidc/interaction` for `https://host/oidc`, `/interaction` at the root. */
export function interactionPathOf(issuer: string): string {
  return `${mountPathOf(issuer)}${INTERACTION_ROUTE}`;
}

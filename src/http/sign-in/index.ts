import type { IncomingMessage } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createInteractions, type InteractionDeps } from '../../protocols/oidc/interactions/index.ts';
import type { FederationInteractions } from '../../runtime/federation.ts';
import { type PageContext, signInApp } from './app.ts';

/**
 * The OP's sign-in pages for `startFederation`: the interactions' prompt policy and page URL, and the Hono app of
 * the pages (app.ts) as the handler the OP's listener hands `<issuer's path>/interaction/*` to, on the plain and the
 * mutual-TLS listener alike.
 */
export function signInPages(deps: InteractionDeps): FederationInteractions {
  const interactions = createInteractions(deps);
  const contexts = new WeakMap<IncomingMessage, PageContext>();
  const app = signInApp({ interactions, issuer: deps.issuer, contextOf: (req) => contexts.get(req), ...(deps.onError ? { onError: deps.onError } : {}) });
  const listener = getRequestListener(app.fetch);
  return {
    policy: interactions.policy,
    url: interactions.url,
    async handle(req, res, provider, mtlsOrigin) {
      contexts.set(req, { provider, mtlsOrigin });
      await listener(req, res);
      return true;
    },
  };
}

export { MAX_BODY_BYTES, SIGN_IN_CSP, signInApp } from './app.ts';

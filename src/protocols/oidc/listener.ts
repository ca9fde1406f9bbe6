import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import type { RefusalDeps } from './refusals.ts';
import { withRequestReads } from './request-reads.ts';
import { BadRequest, authorizationGetOf, checkQuery, refuse } from './request-guard.ts';
import { AUTHORIZATION_SERVER_METADATA, DISCOVERY, INTERACTION_ROUTE, OP_PATHS, OP_ROUTES, mountPathOf } from './routes.ts';

/**
 * The OP as a raw Node listener for muster's HTTP server: it takes the OP's paths below the issuer's path (routes.ts
 * OP_PATHS: `/oidc/auth`, `/oidc/token`… by default; `/auth`, `/token`… for an issuer at the host's root) and
 * `/.well-known/openid-configuration`, and hands them to oidc-provider with the mount path stripped; every other path
 * is left to muster's own routes. Interaction pages (`<mount>/interaction/*`) go to the interactions first.
 */

export type RawListener = (req: IncomingMessage, res: ServerResponse) => boolean;
/** The sign-in pages: given the provider in force and the mutual-TLS listener's origin (where the PIV sign-in path is). */
export type InteractionHandler = (req: IncomingMessage, res: ServerResponse, provider: Provider, mtlsOrigin: string) => Promise<boolean>;

export interface OidcListenerOptions {
  readonly issuer: string;
  /** The provider in force now (it is rebuilt when the signing keys change). */
  provider(): Provider;
  readonly interactions?: { handle?: InteractionHandler };
  /** The mutual-TLS listener's origin, once it listens. */
  mtlsOrigin?(): string;
  /** Failures past oidc-provider's own error handling (an interaction page that threw, a refusal that could not be audited). */
  readonly onError?: (error: unknown) => void;
  /** Where requests refused before oidc-provider (a NUL in a parameter, a bad POST to the authorization endpoint) are audited. */
  readonly audit?: RefusalDeps;
}

/** A path below the issuer's that the OP answers (routes.ts OP_PATHS; other well-known documents are the admin app's). */
function isOwn(path: string, mount: string): boolean {
  if (path !== mount && !path.startsWith(`${mount}/`)) return false;
  const below = path.slice(mount.length);
  return OP_PATHS.some((own) => below === own || (!own.startsWith('/.well-known/') && below.startsWith(`${own}/`)));
}

export { mountPathOf };

/**
 * RFC 8414 §3.1 names the metadata of an issuer with a path by inserting the well-known name before that path
 * (`/.well-known/oauth-authorization-server/oidc`); oidc-provider answers it under the issuer's path.
 */
function fromRfc8414Path(req: IncomingMessage, mount: string): void {
  const [path = '/', query] = (req.url ?? '/').split('?');
  if (mount !== '' && path === `${AUTHORIZATION_SERVER_METADATA}${mount}`) req.url = `${mount}${AUTHORIZATION_SERVER_METADATA}${query === undefined ? '' : `?${query}`}`;
}

/** Paths a browser is sent to, where a refusal is an error page rather than JSON. */
function browserFacing(path: string, mount: string): boolean {
  return [`${mount}${OP_ROUTES.authorization}`, `${mount}${INTERACTION_ROUTE}/`, `${mount}${OP_ROUTES.end_session}`].some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
}

/** Answers a request refused before oidc-provider (audited), or hands a failure to `fail`. */
function refused(options: OidcListenerOptions, res: ServerResponse, path: string, mount: string, error: unknown): void {
  if (!(error instanceof BadRequest)) return fail(options, res, error);
  const route = path === `${mount}${OP_ROUTES.authorization}` ? 'authorization' : 'request';
  void refuse(res, error, { page: browserFacing(path, mount), route, ...(options.audit ? { audit: options.audit } : {}), ...(options.onError ? { onError: options.onError } : {}) });
}

/** The guard's checks (see request-guard.ts); true when it answered the request itself. */
function guarded(options: OidcListenerOptions, req: IncomingMessage, res: ServerResponse, path: string, mount: string): boolean {
  try {
    checkQuery(req);
  } catch (error) {
    refused(options, res, path, mount, error);
    return true;
  }
  if (req.method !== 'POST' || path !== `${mount}${OP_ROUTES.authorization}`) return false;
  authorizationGetOf(req, path).then(
    (location) => {
      res.writeHead(303, { location, 'cache-control': 'no-store' }).end();
    },
    (error: unknown) => refused(options, res, path, mount, error),
  );
  return true;
}

/**
 * oidc-provider builds every URL it publishes (discovery, redirects, `jwks_uri`) from the request's `Host`; muster's
 * come from configuration instead: the issuer's host on the main listener, the mutual-TLS origin's on that one. A
 * client (or a caching proxy it poisons) cannot make the OP publish another host.
 */
function pinHost(req: IncomingMessage, issuerHost: string, mtlsOrigin: string): void {
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  req.headers.host = encrypted && mtlsOrigin ? new URL(mtlsOrigin).host : issuerHost;
}

export function oidcListener(options: OidcListenerOptions): RawListener {
  const mount = mountPathOf(options.issuer);
  const issuerHost = new URL(options.issuer).host;
  return (req, res) => withRequestReads(() => listen(req, res));
  function listen(req: IncomingMessage, res: ServerResponse): boolean {
    fromRfc8414Path(req, mount);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const inside = isOwn(path, mount);
    if (!inside && path !== DISCOVERY) return false;
    if (guarded(options, req, res, path, mount)) return true;
    pinHost(req, issuerHost, options.mtlsOrigin?.() ?? '');
    const provider = options.provider();
    if (inside && path.startsWith(`${mount}${INTERACTION_ROUTE}/`) && options.interactions?.handle) {
      options.interactions.handle(req, res, provider, options.mtlsOrigin?.() ?? '').then(
        (taken) => {
          if (!taken) pass(provider, mount, req, res);
        },
        (error: unknown) => fail(options, res, error),
      );
      return true;
    }
    if (!inside) req.url = `${mount}${req.url ?? ''}`;
    pass(provider, mount, req, res);
    return true;
  }
}

const CALLBACKS = new WeakMap<Provider, (req: IncomingMessage, res: ServerResponse) => void>();

/** Hands the request over below the mount path; oidc-provider reads the mount path back from `originalUrl`. */
function pass(provider: Provider, mount: string, req: IncomingMessage & { originalUrl?: string }, res: ServerResponse): void {
  req.originalUrl = req.url ?? '/';
  if (mount) req.url = (req.url ?? '').slice(mount.length) || '/';
  let callback = CALLBACKS.get(provider);
  if (!callback) CALLBACKS.set(provider, (callback = provider.callback()));
  callback(req, res);
}

function fail(options: OidcListenerOptions, res: ServerResponse, error: unknown): void {
  options.onError?.(error);
  if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end('The sign-in service could not complete the request.');
}

/**
 * What an OP issuer identifier must be for muster to serve it (OpenID Connect Discovery §2 and §4, RFC 8414 §2 and
 * §3.1): an http(s) URL with no query, fragment or user name, written as a URL parser writes it (what relying parties
 * compare), and with a path — any, or none — that none of muster's own routes lies under, since the OP answers below it.
 */

/**
 * The first path segments muster's own routes take on the host the OP shares: the admin API, health, metrics, the
 * OpenAPI document, ticket callbacks, the shared-signals transmitter, the CA's certificates, CRLs and OCSP, and the
 * well-known documents. An issuer's path may not start with one of them.
 */
export const MUSTER_OWN_PATHS: readonly string[] = ['/api', '/health', '/metrics', '/openapi.json', '/hooks', '/ssf', '/pki', '/crl', '/ocsp', '/.well-known', '/console'];

/** The issuer's path on its host: `/oidc` for `https://host/oidc`, '' for an issuer at the host's root. */
export function issuerPathOf(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}

/** The route of muster's own that `path` lies under (or is), if any. */
export function ownRouteAt(path: string): string | undefined {
  return MUSTER_OWN_PATHS.find((own) => path === own || path.startsWith(`${own}/`));
}

function formProblem(value: string, parsed: URL): string | undefined {
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an https (or http) URL';
  if (parsed.search !== '' || parsed.hash !== '' || value.includes('?') || value.includes('#')) return 'must have no query and no fragment';
  if (parsed.username !== '' || parsed.password !== '') return 'must not carry a user name or password';
  const written = value.replace(/\/+$/, '');
  const normal = parsed.href.replace(/\/+$/, '');
  if (written !== normal) return `must be written as a URL parser writes it, as ${normal}: relying parties compare the issuer character for character`;
  return undefined;
}

function pathProblem(path: string): string | undefined {
  if (
    path
      .split('/')
      .slice(1)
      .some((segment) => segment === '')
  )
    return `its path ${path} has an empty segment`;
  const own = ownRouteAt(path);
  if (own) return `its path ${path} lies under ${own}, one of muster's own routes on the same host (${MUSTER_OWN_PATHS.join(', ')}); choose another path, such as /oidc, or none`;
  return undefined;
}

/** Why muster cannot serve `value` as its issuer, or undefined (a value that is no URL is left to the URL check). */
export function issuerProblem(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const parsed = new URL(value);
  return formProblem(value, parsed) ?? pathProblem(issuerPathOf(value));
}

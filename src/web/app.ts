import { randomUUID } from 'node:crypto';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { matchedRoutes } from 'hono/route';
import { secureHeaders } from 'hono/secure-headers';
import type { Clock } from '../core/clock.ts';
import { CONSOLE_PATH, type ConsoleSetup } from '../runtime/console.ts';
import type { Store } from '../store/store.ts';
import type { ConsoleEnv } from './env.ts';
import { messagePage } from './pages.ts';
import { pageRoutes } from './pages-routes.ts';
import { accessRoutes } from './access-routes.ts';
import type { ActivationService } from '../governance/index.ts';
import { type ConsoleRoute, isConsoleGuard } from './route.ts';
import { disputeRoutes } from './disputes/routes.ts';
import { accessRequestRoutes } from './access/routes.ts';
import { campaignRoutes } from './campaigns/routes.ts';
import { catalogueRoutes } from './catalogue/routes.ts';
import { cardRoutes } from './cards/routes.ts';
import { activationService } from '../runtime/access-activation.ts';
import { importRoutes } from './imports/routes.ts';
import { selfRoutes } from './self/routes.ts';
import { lazyServices } from './services.ts';
import { signInRoutes } from './sign-in.ts';
import { staticRoutes } from './static.ts';
import { assetRoutes } from './layout/assets.ts';
import { navEntriesOf } from './layout/nav.ts';
import { loadIdentities } from '../mur/identity-repository.ts';
import type { Muster } from '../runtime/context.ts';
import { operatorPages } from './operator/index.ts';

/**
 * The web console as a Hono app with its pages under `/console`: Hono's `secureHeaders` with a CSP that allows no
 * script, style or image at all (and no framing), its `csrf` guard on every POST (a form from another origin is
 * refused), a small body limit, `no-store` on every answer, and default deny: a page not defined with
 * `consoleRoute` (roles) or `openConsoleRoute` is refused. Its pages answer 503 until muster's OP is up (and for
 * good when the issuer is neither https nor loopback http: the cookies and the client need one or the other).
 */

/** The console's Content-Security-Policy: nothing but its own pages, forms posted to its own origin, scripts from its own files only (no inline script). */
export const CONSOLE_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};
const MAX_BODY_BYTES = 16 * 1024;

export interface ConsoleAppOptions {
  /** The console's client and sessions; undefined until muster's OP is up. */
  readonly setup: () => ConsoleSetup | undefined;
  readonly store: Store;
  readonly clock: Clock;
  readonly agencyCode: string;
  /** The started muster whose services the operator pages call (absent: those pages answer 500). */
  readonly muster?: Muster;
  /** Told about a failure of a page. */
  readonly onError?: (error: unknown) => void;
  /** Just-in-time activation of requested privileged access (default: the started muster's own; without one the page answers 503). */
  readonly activation?: () => ActivationService | undefined;
  /** More pages (tests); mounted like the built-in ones. */
  readonly extraRoutes?: readonly Omit<ConsoleRoute, 'roles'>[];
}

type C = Context<ConsoleEnv>;

function refused(c: C, status: 403 | 413 | 503, message: string): Response | Promise<Response> {
  return c.html(messagePage(status === 503 ? 'Not available' : 'Refused', message), status);
}

/** Hono's csrf check, answered with a page rather than a bare 403. */
function sameOrigin(setup: () => ConsoleSetup | undefined): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const origin = new URL((setup() as ConsoleSetup).redirectUri).origin;
    let passed = false;
    try {
      await csrf({ origin })(c, async () => {
        passed = true;
      });
    } catch (error) {
      if (!(error instanceof HTTPException)) throw error;
    }
    if (!passed) return refused(c, 403, 'The request came from another site.');
    return next();
  };
}

/** Default deny: a route matched this request and none of what matched is the guard of a console page. */
const defaultDeny: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const matched = matchedRoutes(c);
  if (matched.some((r) => r.method !== 'ALL') && !matched.some((r) => isConsoleGuard(r.handler))) return refused(c, 403, 'No role may open this page.');
  return next();
};

/** Every page of the console, with the roles that may open it (none: open without a session). */
export function consolePages(
  options: Pick<ConsoleAppOptions, 'store' | 'clock' | 'agencyCode' | 'extraRoutes' | 'muster' | 'activation'>,
): readonly (Omit<ConsoleRoute, 'roles'> & { roles?: ConsoleRoute['roles'] })[] {
  const deps = { store: options.store, clock: options.clock, agencyCode: options.agencyCode };
  const services = lazyServices(() => options.muster);
  const own = [...staticRoutes(), ...selfRoutes(services), ...importRoutes(services), ...disputeRoutes(services)];
  const started = { muster: () => options.muster };
  const access = [...accessRequestRoutes(started), ...accessRoutes(options.activation ?? defaultActivation(options.muster))];
  const governance = [...campaignRoutes(started), ...catalogueRoutes(started), ...cardRoutes(started)];
  return [...signInRoutes(deps), ...operatorPages(started), ...pageRoutes(options.store), ...own, ...access, ...governance, ...assetRoutes(), ...(options.extraRoutes ?? [])];
}

/** Without an activation service given, the started muster's own (none without one: the page answers 503). */
function defaultActivation(muster: Muster | undefined): () => ActivationService | undefined {
  const service = muster ? activationService(muster) : undefined;
  return () => service;
}

export function consoleApp(options: ConsoleAppOptions): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const pages = consolePages(options);
  const shell = { nav: navEntriesOf(pages), nameOf: (identityId: string) => operatorName(options.store, identityId) };
  const guards: MiddlewareHandler<ConsoleEnv>[] = [
    secureHeaders({ contentSecurityPolicy: CONSOLE_CSP, xFrameOptions: 'DENY', referrerPolicy: 'same-origin', strictTransportSecurity: false }),
    async (c, next) => {
      await next();
      if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
    },
    async (c, next) => {
      const setup = options.setup();
      if (!setup) return refused(c, 503, 'The console is not available: muster is starting, or its issuer is neither https nor http on loopback (the log says which).');
      c.set('console', setup);
      c.set('shell', shell);
      if (!c.get('correlationId')) c.set('correlationId', randomUUID());
      return next();
    },
    defaultDeny,
    async (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : sameOrigin(options.setup)(c, next)),
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => refused(c as C, 413, 'The request is too large.') }),
  ];
  for (const path of [CONSOLE_PATH, `${CONSOLE_PATH}/*`]) app.use(path, ...guards);
  for (const route of pages) app.on(route.method, route.path, route.guard, route.handler);
  app.onError((error, c) => {
    options.onError?.(error);
    return c.html(messagePage('Something went wrong', 'The console could not answer; the failure is logged.'), 500);
  });
  return app;
}

/** The full name the record holds for an operator, for the header of every page. */
async function operatorName(store: Store, identityId: string): Promise<string | null> {
  const identity = (await loadIdentities(store, [identityId])).get(identityId);
  const name = identity?.attributes.full_name?.v;
  return typeof name === 'string' && name !== '' ? name : null;
}

import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type Answer, type Interactions, type StepName, type StepRoute, SignInRefused } from '../../protocols/oidc/interactions/index.ts';
import type { InteractionProvider } from '../../protocols/oidc/interactions/provider-shapes.ts';
import { renderPage } from './pages.ts';

/**
 * The sign-in pages as a Hono app mounted at the interactions' path (`<issuer's path>/interaction`): Hono's
 * `secureHeaders` with a CSP that allows nothing inline (scripts, styles, images and fetches from the pages' own
 * origin only, no framing, no `<base>`), its `csrf` guard on every POST (a form from another origin, or one that does
 * not say where it comes from, is refused and audited), its `bodyLimit` (64 KiB; more is refused 413 and audited),
 * and pages from auto-escaping templates. The steps themselves are the interactions'.
 */

/** The sign-in pages' Content-Security-Policy: `default-src 'none'`, and only the pages' own scripts, styles, images and fetches. */
export const SIGN_IN_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

/** The largest request body a step takes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** What the OP's listener knows of a request: the provider in force and the mutual-TLS listener's origin. */
export interface PageContext {
  readonly provider: InteractionProvider;
  readonly mtlsOrigin: string;
}

export interface SignInAppOptions {
  readonly interactions: Interactions;
  /** The issuer: a POST must come from its origin. */
  readonly issuer: string;
  contextOf(req: IncomingMessage): PageContext | undefined;
  /** Told about a failure outside the steps (which report their own). */
  readonly onError?: (error: unknown) => void;
}

type PageEnv = { Bindings: HttpBindings; Variables: { step: StepName } };
type C = Context<PageEnv>;

const ASSETS = [
  { name: 'sign-in.js', type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./sign-in.js', import.meta.url), 'utf8') },
  { name: 'sign-in.css', type: 'text/css; charset=utf-8', body: readFileSync(new URL('./sign-in.css', import.meta.url), 'utf8') },
];

const UID = ':uid{[A-Za-z0-9_-]{8,64}}';

function send(c: C, path: string, answer: Answer): Response | Promise<Response> {
  if (answer.kind === 'redirect') return c.redirect(answer.location, 303);
  if (answer.kind === 'json') return c.json(answer.body, answer.status as ContentfulStatusCode);
  return c.html(renderPage(path, answer.page), answer.status as ContentfulStatusCode);
}

/** Hono's csrf check, answered as an audited refusal of the step rather than a bare 403. */
function sameOrigin(options: SignInAppOptions, refuse: (c: C, message: string, status: number) => Promise<Response>): MiddlewareHandler<PageEnv> {
  const check = csrf({ origin: new URL(options.issuer).origin });
  return async (c, next) => {
    let passed = false;
    try {
      await check(c, async () => {
        passed = true;
      });
    } catch (error) {
      if (!(error instanceof HTTPException)) throw error;
    }
    if (!passed) return refuse(c, 'the request came from another site', 403);
    return next();
  };
}

function mountSteps(app: Hono<PageEnv>, options: SignInAppOptions): void {
  const { interactions } = options;
  const refuse = async (c: C, message: string, status: number) =>
    send(c, interactions.path, await interactions.refuse(c.get('step'), { uid: c.req.param('uid') ?? '' }, new SignInRefused('bad-request', message), status));
  const guards: MiddlewareHandler<PageEnv>[] = [sameOrigin(options, refuse), bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => refuse(c as C, 'the request is too large', 413) })];
  for (const route of interactions.routes) {
    const step: MiddlewareHandler<PageEnv> = async (c, next) => {
      c.set('step', route.step);
      await next();
    };
    app.on(route.method, `/${UID}${route.tail}`, step, ...(route.method === 'POST' ? guards : []), async (c) => send(c, interactions.path, await runStep(c, options, route)));
  }
}

async function runStep(c: C, options: SignInAppOptions, route: StepRoute): Promise<Answer> {
  const { incoming: req, outgoing: res } = c.env;
  const context = options.contextOf(req);
  if (!context) throw new Error("a sign-in page was asked for outside the OP's listener");
  return options.interactions.run(route.step, { req, res, uid: c.req.param('uid') ?? '', provider: context.provider, mtlsOrigin: context.mtlsOrigin, text: () => c.req.text() });
}

/** The Hono app of the sign-in pages, its routes under `interactions.path`. */
export function signInApp(options: SignInAppOptions): Hono<PageEnv> {
  const path = options.interactions.path;
  const app = new Hono<PageEnv>().basePath(path);
  app.use('*', secureHeaders({ contentSecurityPolicy: SIGN_IN_CSP, xFrameOptions: 'DENY', referrerPolicy: 'same-origin', strictTransportSecurity: false }));
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });
  for (const asset of ASSETS) app.get(`/${asset.name}`, (c) => c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' }));
  mountSteps(app, options);
  app.notFound((c) => send(c, path, { kind: 'page', status: 404, page: { name: 'not-found' } }));
  app.onError((error, c) => {
    options.onError?.(error);
    return send(c, path, { kind: 'page', status: 500, page: { name: 'failure' } });
  });
  return app;
}

/** The HTTP face: build the app, serve it, and define route modules the same way the built-in ones are. */
export { createHttpApp, type HttpOptions, OPENAPI_PATH } from './app.ts';
export { correlationIdOf, principalOf, type Env, type MusterApp, type MusterContext, type Principal, type RouteModule } from './env.ts';
export type { ServerErrorListener } from './errors.ts';
export { apiRoute, publicRoute, BEARER_SCHEME } from './route.ts';
export { ERROR_RESPONSES, ErrorBody, Uuid, queryInt } from './schemas.ts';
export { serveHttp, type RunningServer, type ServeOptions } from './serve.ts';

import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { MusterError } from '../core/errors.ts';
import { ERROR_RESPONSES } from './schemas.ts';

/** Name of the bearer security scheme in the OpenAPI document. */
export const BEARER_SCHEME = 'bearerAuth';
export const API_PREFIX = '/api/';

const BEARER_SECURITY = [{ [BEARER_SCHEME]: [] as string[] }];
const COMMON_ERRORS = { 400: ERROR_RESPONSES[400], 401: ERROR_RESPONSES[401], 500: ERROR_RESPONSES[500] };

/**
 * Defines an authenticated `/api/…` route: bearer security in the document and the common error
 * responses (400, 401, 500) beside the route's own. Add others from `ERROR_RESPONSES`, e.g.
 * `responses: { 200: …, 404: ERROR_RESPONSES[404] }`. Authentication itself is the `/api/*`
 * middleware, so a route cannot forget it.
 */
export function apiRoute<const P extends string, const R extends Omit<RouteConfig, 'path' | 'security'> & { path: P }>(config: R) {
  if (!config.path.startsWith(API_PREFIX)) {
    throw new MusterError('MUSTER_ERR_INTERNAL', `apiRoute ${config.method.toUpperCase()} ${config.path}: authenticated routes live under ${API_PREFIX}`);
  }
  return createRoute({ ...config, security: BEARER_SECURITY, responses: { ...COMMON_ERRORS, ...config.responses } });
}

/** Defines a route open to anyone (health and the like). Keep these few. */
export function publicRoute<const P extends string, const R extends Omit<RouteConfig, 'path'> & { path: P }>(config: R) {
  if (config.path.startsWith(API_PREFIX)) {
    throw new MusterError('MUSTER_ERR_INTERNAL', `publicRoute ${config.path}: everything under ${API_PREFIX} requires a token`);
  }
  return createRoute({ ...config, responses: { 500: ERROR_RESPONSES[500], ...config.responses } });
}

/** muster as a library: start it from checked configuration and use its services. */
export { loadConfig } from './config/load.ts';
export type { MusterConfig } from './config/schema.ts';
export { startMuster, type Muster } from './runtime/context.ts';
export { createHttpApp, serveHttp } from './http/index.ts';
export { MusterError, ERROR_CODES, type MusterErrorCode } from './core/errors.ts';
export { IDENTITY_STATUSES, type IdentityStatus } from './core/identity/status.ts';

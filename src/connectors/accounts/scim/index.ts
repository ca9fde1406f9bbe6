export { ScimConnector } from './connector.ts';
export { SCIM_DEFAULTS, type ScimAuth, type ScimOptions } from './options.ts';

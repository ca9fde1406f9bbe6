export { LdapConnector } from './connector.ts';
export { escapeDnValue } from './dn.ts';
export { PLACEHOLDER_MEMBER } from './groups.ts';
export { accountAttributes, LOCKED_FOREVER } from './mapping.ts';
export type { LdapOptions } from './options.ts';

export { strongMapping } from './cert-mapping.ts';
export { AdConnector } from './connector.ts';
export { guidId, guidOf, guidString } from './guid.ts';
export type { AdAccount } from './mapping.ts';
export type { AdOptions } from './options.ts';

export { AGENCY_NETWORK_RANGES, parseCidr } from './addresses.ts';
export { type OutboundFetch, type OutboundOptions, OUTBOUND_DEFAULTS, outboundClient } from './client.ts';
export { type AddressPolicy, type Resolver, PUBLIC_ONLY, agencyNetworkPolicy, checkedAddress, outboundRefused, refusalOf, systemResolver } from './guard.ts';
export { type JsonWebKeySet, JwksCache, JWKS_CACHE_DEFAULTS } from './jwks-cache.ts';

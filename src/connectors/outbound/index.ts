export { isCidr, parseCidr } from './addresses.ts';
export { agencyFetch } from './agency.ts';
export { type OutboundFetch, type OutboundOptions, OUTBOUND_DEFAULTS, outboundClient } from './client.ts';
export { type AddressPolicy, type Resolver, PRIVATE_NETWORK_ALLOWED, PUBLIC_ONLY, agencyNetworkPolicy, rpAddressPolicy, checkedAddress, outboundRefused, refusalOf, systemResolver } from './guard.ts';
export { type JsonWebKeySet, JwksCache, JWKS_CACHE_DEFAULTS } from './jwks-cache.ts';

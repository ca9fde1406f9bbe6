/**
 * Loopback and private address ranges (CIDR): where the agency's own targets (account stores, ticket endpoints,
 * notification webhooks, CRL repositories) normally live, and so what muster may reach for them unless configured
 * otherwise (`outbound.agencyNetworks`). Link-local and cloud metadata addresses are not among them.
 */
export const AGENCY_NETWORK_RANGES: readonly string[] = ['127.0.0.0/8', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'];

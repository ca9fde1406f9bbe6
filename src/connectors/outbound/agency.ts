import { type OutboundFetch, outboundClient } from './client.ts';
import { type Resolver, agencyNetworkPolicy } from './guard.ts';

export interface AgencyFetchOptions {
  /** `outbound.agencyNetworks`: the special-use ranges the agency's own targets may be at; loopback and private by default. */
  readonly ranges?: readonly string[];
  readonly resolver?: Resolver;
  /** A backstop: callers bring their own shorter time limit. Default 5 minutes. */
  readonly timeoutMs?: number;
}

/** SCIM list pages and ITSM answers run larger than a key set. */
const AGENCY_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const AGENCY_TIMEOUT_MS = 300_000;

/** The outbound client of the agency's own targets: account targets, ticket endpoints, notification webhooks. */
export function agencyFetch(options: AgencyFetchOptions = {}): OutboundFetch {
  return outboundClient({
    policy: agencyNetworkPolicy(options.ranges),
    timeoutMs: options.timeoutMs ?? AGENCY_TIMEOUT_MS,
    maxResponseBytes: AGENCY_MAX_RESPONSE_BYTES,
    ...(options.resolver ? { resolver: options.resolver } : {}),
  });
}

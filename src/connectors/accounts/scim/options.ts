import type { OutboundFetch } from '../../outbound/index.ts';

/** How the connector authenticates to the SCIM service. */
export type ScimAuth =
  | { readonly type: 'bearer'; readonly token: string }
  | {
      readonly type: 'oauth';
      /** OAuth 2.0 token endpoint: client credentials grant, client authenticated with HTTP Basic. */
      readonly tokenUrl: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly scope?: string;
    };

/** A `scim` target's settings: the target configuration without its `kind`. */
export interface ScimOptions {
  /** The SCIM 2.0 service root, e.g. https://app.example/scim/v2 */
  readonly baseUrl: string;
  readonly auth: ScimAuth;
  /** Resources asked for per list request (default 200). */
  readonly pageSize?: number;
  /** A request slower than this fails as unavailable (default 10 s). */
  readonly timeoutMs?: number;
  /** Requests in flight at once against the service (default 8). */
  readonly concurrency?: number;
  /** The outbound client (service and token endpoint); the agency's default ranges unless given. */
  readonly outbound?: OutboundFetch;
}

export const SCIM_DEFAULTS = { pageSize: 200, timeoutMs: 10_000, concurrency: 8 } as const;

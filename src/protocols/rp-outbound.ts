import { type OutboundFetch, type Resolver, checkedAddress, outboundClient, rpAddressPolicy, systemResolver } from '../connectors/outbound/index.ts';
import { MusterError } from '../core/errors.ts';

/**
 * How muster reaches the URLs a relying party chose (SSF push endpoints, `jwks_uri`, `sector_identifier_uri`,
 * back-channel logout, `request_uri`): public addresses only, unless the RP's agreement entry sets
 * `allowPrivateNetwork` (with its reason), which lets through loopback, private and link-local addresses, never a
 * cloud metadata address.
 */

/** What of an agreement entry decides the policy. */
export interface RpAllowance {
  readonly allowPrivateNetwork?: boolean;
}

export interface RpFetchOptions {
  /** `dns.lookup` unless injected (tests map names to addresses). */
  readonly resolver?: Resolver;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
}

/** The outbound client for URLs this RP chose. */
export function rpFetch(rp: RpAllowance | undefined, options: RpFetchOptions = {}): OutboundFetch {
  return outboundClient({ policy: rpAddressPolicy(rp), ...options });
}

/**
 * Checks a URL an RP hands muster to call later (a push endpoint) now, so a special-use address is refused when it is
 * registered: a MusterError of `code` naming `field`, the URL and the address. A host that does not resolve now is
 * left to the guard of each later request.
 */
export async function refuseUnreachable(url: string, rp: RpAllowance | undefined, field: string, code: 'MUSTER_ERR_SSF_STREAM' | 'MUSTER_ERR_AGREEMENT', resolver?: Resolver): Promise<void> {
  try {
    await checkedAddress(new URL(url), rpAddressPolicy(rp), resolver ?? systemResolver);
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    if (error.code !== 'MUSTER_ERR_OUTBOUND_REFUSED') return;
    const why = error.details[0]?.message ?? error.message;
    throw new MusterError(code, `${field} ${url} refused: ${why}`, [{ field, value: url, message: why }], { cause: error });
  }
}

import type { AuditWriter } from '../../audit/writer.ts';
import type { Resolver } from '../../connectors/outbound/index.ts';
import { recordAudit } from '../../audit/queries.ts';
import type { AgreementDocument, AgreementRelyingParty } from '../../core/federation/agreement.ts';
import type { Queryable, Store } from '../../store/store.ts';
import { rpFetch } from '../rp-outbound.ts';

/**
 * oidc-provider's `fetch` (its calls out: a client's `jwks_uri`, `sector_identifier_uri`, `request_uri`, back-channel
 * logout on RP-initiated logout). Every call goes through muster's outbound client under the RP's address policy:
 * public addresses only, unless the agreement entry of the RP the URL belongs to sets `allowPrivateNetwork` (with its
 * reason); such a fetch is audited (`oidc.fetch.private-network`). oidc-provider's own dispatcher is not used.
 */

export interface OutboundFetchDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  /** `dns.lookup` unless injected. */
  readonly resolver?: Resolver;
}

/** The URLs of an RP entry the OP fetches. */
const fetchedUrls = (rp: AgreementRelyingParty): (string | undefined)[] => [rp.jwksUri, rp.backchannelLogoutUri, rp.sectorIdentifierUri];

/** The RP entry of an active agreement that allows the OP to fetch this URL on a private network, if any. */
export async function privateNetworkAllowance(db: Queryable, url: string): Promise<{ agreementId: string; rp: AgreementRelyingParty } | undefined> {
  const rows = await db.query<{ id: string; status: string; document: AgreementDocument }>('SELECT DISTINCT ON (id) id, status, document FROM trust_agreements ORDER BY id, version DESC');
  for (const row of rows) {
    if (row.status !== 'active') continue;
    const rp = row.document.relyingParties.find((r) => r.allowPrivateNetwork && fetchedUrls(r).some((u) => u !== undefined && sameUrl(u, url)));
    if (rp) return { agreementId: row.id, rp };
  }
  return undefined;
}

function sameUrl(a: string, b: string): boolean {
  return URL.canParse(a) && URL.canParse(b) && new URL(a).href === new URL(b).href;
}

export function outboundFetch(deps: OutboundFetchDeps): (url: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const options = deps.resolver ? { resolver: deps.resolver } : {};
  return async (url, init) => {
    const href = url instanceof Request ? url.url : String(url);
    const allowed = await privateNetworkAllowance(deps.store, href);
    if (allowed) {
      await recordAudit(
        deps.store,
        deps.audit,
        {
          actor: 'muster',
          action: 'oidc.fetch.private-network',
          target: `agreement:${allowed.agreementId}`,
          reason: allowed.rp.privateNetworkReason ?? '',
          data: { agreement_id: allowed.agreementId, client_id: allowed.rp.clientId, url: href, method: init?.method ?? 'GET' },
        },
        `oidc-fetch-${allowed.rp.clientId}`,
      );
    }
    return rpFetch(allowed?.rp, options)(url, init);
  };
}

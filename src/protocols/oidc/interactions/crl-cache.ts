import { type AddressPolicy, agencyNetworkPolicy, outboundClient } from '../../../connectors/outbound/index.ts';
import type { Clock } from '../../../core/clock.ts';
import { OID } from '../../../pki/oids.ts';
import { type CRLDistributionPointsExtension, type X509Crl, parseCrl as parseCrlBytes, type X509Certificate } from '../../../pki/x509.ts';
import { SignInRefused } from './refusal.ts';

/** Fetches a CRL's bytes; the default is HTTP(S) with a timeout. */
export type CrlFetcher = (url: string) => Promise<Uint8Array>;

const FETCH_TIMEOUT_MS = 5000;
/** Large federal CRLs run to a few megabytes. */
const MAX_CRL_BYTES = 32 * 1024 * 1024;

/**
 * CRLs over HTTP(S) through the outbound client: a distribution point is named by a CA the agency trusts, so the
 * agency's own network (loopback, private ranges) may serve it; link-local and metadata addresses are refused.
 */
export function httpCrlFetcherFor(policy: AddressPolicy = agencyNetworkPolicy()): CrlFetcher {
  const fetch = outboundClient({ policy, timeoutMs: FETCH_TIMEOUT_MS, maxResponseBytes: MAX_CRL_BYTES });
  return async (url) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}

export const httpCrlFetcher: CrlFetcher = httpCrlFetcherFor();

/** The http(s) CRL distribution points of a certificate. */
export function crlUrlsOf(certificate: X509Certificate): string[] {
  const extension = certificate.getExtension(OID.extCrlDistributionPoints) as CRLDistributionPointsExtension | null;
  const names = extension ? extension.distributionPoints.flatMap((dp) => [...(dp.distributionPoint?.fullName ?? [])]) : [];
  return names.map((n) => n.uniformResourceIdentifier ?? '').filter((u) => /^https?:\/\//.test(u));
}

function parseCrl(bytes: Uint8Array): X509Crl {
  const text = Buffer.from(bytes).toString('latin1');
  return parseCrlBytes(text.includes('-----BEGIN') ? text : bytes);
}

/**
 * CRLs of other agencies' CAs, fetched from each certificate's distribution point and kept until their nextUpdate. A CRL
 * that cannot be fetched, parsed, or is past its nextUpdate refuses the sign-in: revocation is never skipped.
 */
export class CrlCache {
  readonly #clock: Clock;
  readonly #fetch: CrlFetcher;
  readonly #cached = new Map<string, X509Crl>();

  constructor(clock: Clock, fetcher: CrlFetcher = httpCrlFetcher) {
    this.#clock = clock;
    this.#fetch = fetcher;
  }

  /** One current CRL for every certificate of the path. */
  async forPath(path: readonly X509Certificate[]): Promise<X509Crl[]> {
    return Promise.all(path.map((certificate) => this.#forCertificate(certificate)));
  }

  async #forCertificate(certificate: X509Certificate): Promise<X509Crl> {
    const url = crlUrlsOf(certificate)[0];
    const where = { serial: certificate.serialNumber.toLowerCase(), issuer: certificate.issuer };
    if (!url) throw new SignInRefused('revocation-unavailable', 'the certificate names no CRL distribution point, so its status cannot be checked', where);
    const now = this.#clock.now();
    const cached = this.#cached.get(url);
    if (cached && cached.nextUpdate && cached.nextUpdate > now) return cached;
    let crl: X509Crl;
    try {
      crl = parseCrl(await this.#fetch(url));
    } catch {
      throw new SignInRefused('revocation-unavailable', 'the certificate status list (CRL) of the issuing agency could not be fetched; try again later', where);
    }
    if (!crl.nextUpdate || crl.nextUpdate <= now) throw new SignInRefused('revocation-unavailable', "the issuing agency's certificate status list (CRL) is out of date", where);
    this.#cached.set(url, crl);
    return crl;
  }
}

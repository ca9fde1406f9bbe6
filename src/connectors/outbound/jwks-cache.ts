import type { Clock } from '../../core/clock.ts';
import { MusterError } from '../../core/errors.ts';
import type { OutboundFetch } from './client.ts';

/** A JSON Web Key Set as fetched: `{ keys: [...] }`. */
export interface JsonWebKeySet {
  readonly keys: readonly Record<string, unknown>[];
}

export interface JwksCacheOptions {
  readonly clock: Clock;
  /** Shortest time a key set (or a failure to fetch one) is kept, seconds; default 60. */
  readonly floorSeconds?: number;
  /** Longest, whatever the answer's max-age says; default 3600. */
  readonly ceilingSeconds?: number;
}

interface Entry {
  readonly until: number;
  readonly result: Promise<JsonWebKeySet>;
}

export const JWKS_CACHE_DEFAULTS = { floorSeconds: 60, ceilingSeconds: 3600 } as const;

/** The `max-age` of a Cache-Control header, or 0 (no-store, no-cache, none). */
export function maxAgeOf(cacheControl: string | null): number {
  if (!cacheControl || /(^|,)\s*(no-store|no-cache)\b/i.test(cacheControl)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl);
  return match ? Number(match[1]) : 0;
}

/**
 * Key sets fetched from `jwks_uri`s, each kept for its answer's Cache-Control max-age bounded by a floor and a ceiling.
 * A failed fetch is kept for the floor too, and concurrent callers share one fetch: however many requests name a
 * jwks_uri, it is fetched at most once per floor interval.
 */
export class JwksCache {
  readonly #clock: Clock;
  readonly #floorMs: number;
  readonly #ceilingMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: JwksCacheOptions) {
    this.#clock = options.clock;
    this.#floorMs = (options.floorSeconds ?? JWKS_CACHE_DEFAULTS.floorSeconds) * 1000;
    this.#ceilingMs = (options.ceilingSeconds ?? JWKS_CACHE_DEFAULTS.ceilingSeconds) * 1000;
  }

  /** The key set at `url`, fetched with `fetch` unless a kept one is still fresh. */
  keySet(url: string, fetch: OutboundFetch): Promise<JsonWebKeySet> {
    const now = this.#clock.now().getTime();
    const kept = this.#entries.get(url);
    if (kept && kept.until > now) return kept.result;
    this.#sweep(now);
    const result = this.#fetch(url, fetch, now);
    this.#entries.set(url, { until: now + this.#floorMs, result });
    return result;
  }

  async #fetch(url: string, fetch: OutboundFetch, now: number): Promise<JsonWebKeySet> {
    const answer = await fetch(url, { headers: { accept: 'application/json, application/jwk-set+json' } });
    if (!answer.ok) throw new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', `the key set at ${url} answered ${answer.status}`, [{ field: 'jwks_uri', value: url, message: `HTTP ${answer.status}` }]);
    const body = (await answer.json().catch(() => undefined)) as { keys?: unknown } | undefined;
    if (!body || !Array.isArray(body.keys))
      throw new MusterError('MUSTER_ERR_VALIDATION', `the document at ${url} is not a JSON Web Key Set`, [{ field: 'jwks_uri', value: url, message: 'no keys array' }]);
    const keySet = { keys: body.keys as Record<string, unknown>[] };
    const keepMs = Math.min(this.#ceilingMs, Math.max(this.#floorMs, maxAgeOf(answer.headers.get('cache-control')) * 1000));
    this.#entries.set(url, { until: now + keepMs, result: Promise.resolve(keySet) });
    return keySet;
  }

  #sweep(now: number): void {
    for (const [url, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(url);
  }
}

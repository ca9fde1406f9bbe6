/** One bucket's settings: `perSecond` tokens refill each second up to `burst`. */
export interface BucketRate {
  readonly perSecond: number;
  readonly burst: number;
}

/** A request taken, or how long until the next one would be (whole seconds, at least 1: a `Retry-After`). */
export type Taken = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

const TAKEN: Taken = { ok: true };

/**
 * Token buckets keyed by a string (a client address, a token digest), in memory. At most `maxKeys` are kept: the least
 * recently used is forgotten first, which only ever gives a forgotten key a full bucket back. A rate of 0 takes all.
 */
export class TokenBuckets {
  readonly #rate: BucketRate;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(rate: BucketRate, maxKeys: number) {
    this.#rate = rate;
    this.#maxKeys = maxKeys;
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token of `key` at time `nowMs`. */
  take(key: string, nowMs: number): Taken {
    if (this.#rate.perSecond <= 0) return TAKEN;
    const bucket = this.#refilled(key, nowMs);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return TAKEN;
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate.perSecond)) };
  }

  #refilled(key: string, nowMs: number): Bucket {
    const found = this.#buckets.get(key);
    const bucket = found ?? { tokens: this.#rate.burst, at: nowMs };
    if (found) this.#buckets.delete(key);
    const elapsed = Math.max(0, nowMs - bucket.at) / 1000;
    bucket.tokens = Math.min(this.#rate.burst, bucket.tokens + elapsed * this.#rate.perSecond);
    bucket.at = nowMs;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
    return bucket;
  }
}

/** Who a request comes from, as the rate limits see it: the peer address (none in-process) and a bearer token's digest. */
export interface RequestSource {
  readonly address?: string | null;
  readonly token?: string | null;
}

export interface RateLimiterSettings {
  readonly perAddress: BucketRate;
  readonly perToken: BucketRate;
  readonly maxTracked: number;
}

/** Rate limits per client address and per bearer token: a request goes through when both buckets have a token. */
export class RateLimiter {
  readonly #addresses: TokenBuckets;
  readonly #tokens: TokenBuckets;

  constructor(settings: RateLimiterSettings) {
    this.#addresses = new TokenBuckets(settings.perAddress, settings.maxTracked);
    this.#tokens = new TokenBuckets(settings.perToken, settings.maxTracked);
  }

  take(source: RequestSource, nowMs: number): Taken {
    const byAddress = source.address ? this.#addresses.take(source.address, nowMs) : TAKEN;
    if (!byAddress.ok) return byAddress;
    return source.token ? this.#tokens.take(source.token, nowMs) : TAKEN;
  }
}

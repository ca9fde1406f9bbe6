import type { Clock } from '../core/clock.ts';
import type { Queryable, Store } from '../store/store.ts';
import { type Backoff, type RandomSource, backoffDelay } from './backoff.ts';
import { type BreakerSettings, type CircuitBreaker, Circuits } from './circuit.ts';
import type { LeaseRequest } from './claim-repository.ts';
import { type QueueStats, type StatsQuery, readQueueStats } from './stats-repository.ts';

/** What every item of a durable queue carries: its attempts so far and the causal thread (event, request). */
export interface QueueItem {
  readonly attempts: number;
  /** The domain event that caused the item, if one did. */
  readonly eventId: number | null;
  /** The correlation id of that event's request. */
  readonly correlationId: string | null;
}

/** A claim of one queue: up to `limit` due items, of one key (a target, a stream) when the queue has keys. */
export interface QueueClaim extends LeaseRequest {
  readonly key?: string;
}

/** One queue's table as the durable queue sees it: how to claim its items and how to read its state. */
export interface QueueTable<Item extends QueueItem> {
  /** Names the queue in /metrics and logs: `jobs`, `provisioning`, `signals`. */
  readonly name: string;
  claim(db: Queryable, claim: QueueClaim): Promise<Item[]>;
  stats(now: Date): StatsQuery;
}

export interface DurableQueueOptions<Item extends QueueItem> {
  readonly store: Store;
  readonly clock: Clock;
  readonly table: QueueTable<Item>;
  /** Names this worker in the claims it makes; unique per process. */
  readonly workerId: string;
  /** How long a claim holds before another worker may take the item over (a crashed worker's items come back). */
  readonly leaseMs: number;
  /** Attempts before an item becomes a dead letter. */
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  /** For the back-off jitter; Math.random by default. */
  readonly random?: RandomSource;
  /** One circuit per key when given: a key that keeps failing waits, spending no attempts. */
  readonly circuits?: BreakerSettings;
  /** The keys known from the start (their circuits are reported before they are used). */
  readonly keys?: Iterable<string>;
}

/** What a failed attempt comes to: back in the queue after a delay, or a dead letter. */
export type FailedAttempt = { readonly retry: true; readonly runAfter: Date } | { readonly retry: false };

/**
 * The durable queue of muster, one engine under the outbox jobs, the provisioning operations and the SET deliveries:
 * claims with a lease (`FOR UPDATE SKIP LOCKED`, see claim-repository.ts), back-off with full jitter, a circuit per key,
 * dead letters after maxAttempts, the causal thread of every item, and its state for /metrics. Each queue keeps its
 * own table and its own idea of running an item; this decides when and how often.
 */
export class DurableQueue<Item extends QueueItem> {
  readonly #o: DurableQueueOptions<Item>;
  readonly #random: RandomSource;
  readonly #circuits: Circuits;

  constructor(options: DurableQueueOptions<Item>) {
    this.#o = options;
    this.#random = options.random ?? Math.random;
    this.#circuits = new Circuits(options.circuits, options.keys ?? []);
  }

  get name(): string {
    return this.#o.table.name;
  }

  get workerId(): string {
    return this.#o.workerId;
  }

  /**
   * Claims up to `limit` due items (of `key`): none while the key's circuit is open, one trial while it is half-open.
   * Each claim counts an attempt and holds the item for the lease.
   */
  async claim(limit: number, key?: string): Promise<Item[]> {
    const state = key === undefined ? 'closed' : this.#circuits.state(key, this.#o.clock.now().getTime());
    if (state === 'open') return [];
    const { store, clock, workerId, leaseMs } = this.#o;
    return this.#o.table.claim(store, { workerId, now: clock.now(), leaseMs, limit: state === 'half-open' ? 1 : limit, ...(key === undefined ? {} : { key }) });
  }

  /** The circuit of `key`, or undefined when the queue keeps none. */
  circuit(key: string): CircuitBreaker | undefined {
    return this.#circuits.get(key);
  }

  /** True when the key's circuit stops work now. */
  isOpen(key: string): boolean {
    return this.#circuits.state(key, this.#o.clock.now().getTime()) === 'open';
  }

  /** A call for `key` went through: its circuit closes. */
  succeeded(key: string): void {
    this.#circuits.get(key)?.succeeded();
  }

  /** A call for `key` found it unavailable: one more failure towards opening its circuit. */
  unavailable(key: string): void {
    this.#circuits.get(key)?.failed(this.#o.clock.now().getTime());
  }

  /** The correlation id an item's records go under: its cause's, or `<prefix>-<id>` when nothing caused it. */
  correlationOf(item: Item, fallback: string): string {
    return item.correlationId ?? fallback;
  }

  /** Whether the item has had every attempt it gets. */
  outOfAttempts(item: Item): boolean {
    return item.attempts >= this.#o.maxAttempts;
  }

  /** Past maxAttempts: claimed again and again without finishing (its workers stopped or their leases ran out). */
  overClaimed(item: Item): boolean {
    return item.attempts > this.#o.maxAttempts;
  }

  /**
   * What a failed attempt comes to. A `final` failure (no handler, a refusal) and the last attempt are dead letters;
   * otherwise the item waits a jittered back-off. With `keyUnavailable` the failure was the key's (a target down):
   * it is not the item's last attempt, and it waits at least until the key's circuit lets a trial through.
   */
  afterFailure(item: Item, options: { readonly final?: boolean; readonly keyUnavailable?: string } = {}): FailedAttempt {
    const unavailable = options.keyUnavailable !== undefined;
    if (options.final || (!unavailable && this.outOfAttempts(item))) return { retry: false };
    return { retry: true, runAfter: this.retryAt(item, options.keyUnavailable) };
  }

  /** When a failed item runs again: full jitter on an exponential back-off, not before its key's circuit reopens. */
  retryAt(item: Item, key?: string): Date {
    const now = this.#o.clock.now().getTime();
    const delay = backoffDelay(item.attempts, this.#o.backoff, this.#random);
    const reopen = key === undefined ? 0 : (this.#circuits.get(key)?.reopensAt ?? 0);
    return new Date(Math.max(now + delay, reopen));
  }

  /** The queue's state now: depth, age of the oldest item, items claimed, dead letters. */
  stats(): Promise<QueueStats> {
    const now = this.#o.clock.now();
    return readQueueStats(this.#o.store, this.#o.table.stats(now), now);
  }
}

/** When a target's circuit opens and how long it stays open. */
export interface BreakerSettings {
  /** Consecutive unavailability failures that open the circuit. */
  readonly failures: number;
  readonly openMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * A circuit breaker for one key of a queue (a provisioning target, a stream): after `failures` consecutive failures it opens, and the
 * queue for the target waits (spending no attempts) until `openMs` has passed; then one trial
 * operation runs (half-open), and its outcome closes or reopens the circuit.
 */
export class CircuitBreaker {
  readonly #settings: BreakerSettings;
  #failures = 0;
  #openUntil: number | null = null;

  constructor(settings: BreakerSettings) {
    this.#settings = settings;
  }

  state(now: number): BreakerState {
    if (this.#openUntil === null) return 'closed';
    return now < this.#openUntil ? 'open' : 'half-open';
  }

  /** When an open circuit lets a trial through (for rescheduling waiting work), or null when closed. */
  get reopensAt(): number | null {
    return this.#openUntil;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#openUntil = null;
  }

  failed(now: number): void {
    this.#failures++;
    if (this.#openUntil !== null || this.#failures >= this.#settings.failures) this.#openUntil = now + this.#settings.openMs;
  }
}

/** One circuit per key (a target, a stream), made on first use; none at all when `settings` is undefined. */
export class Circuits {
  readonly #settings: BreakerSettings | undefined;
  readonly #byKey = new Map<string, CircuitBreaker>();

  constructor(settings: BreakerSettings | undefined, keys: Iterable<string> = []) {
    this.#settings = settings;
    for (const key of keys) this.get(key);
  }

  /** The circuit of `key`, or undefined when the queue keeps none. */
  get(key: string): CircuitBreaker | undefined {
    if (!this.#settings) return undefined;
    let circuit = this.#byKey.get(key);
    if (!circuit) {
      circuit = new CircuitBreaker(this.#settings);
      this.#byKey.set(key, circuit);
    }
    return circuit;
  }

  /** The state of `key`'s circuit; always closed without circuits. */
  state(key: string, now: number): BreakerState {
    return this.get(key)?.state(now) ?? 'closed';
  }
}

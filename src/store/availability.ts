import { isStoreUnavailable } from './store-error.ts';

/** Told once per change: false with the error that showed the store gone, true when a statement succeeds again. */
export type AvailabilityListener = (available: boolean, error?: unknown) => void;

/**
 * Whether the store answered its last statement. Every statement reports its outcome; listeners
 * (the process log) hear only the changes, so an outage is one line down and one line back.
 */
export class Availability {
  #available = true;
  readonly #listeners = new Set<AvailabilityListener>();

  get available(): boolean {
    return this.#available;
  }

  /** Listens for changes; returns the function that stops listening. */
  onChange(listener: AvailabilityListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** A statement succeeded. */
  up(): void {
    this.#set(true);
  }

  /** A statement failed: the store is down only when the failure was the connection's. */
  failed(error: unknown): void {
    if (isStoreUnavailable(error)) this.#set(false, error);
  }

  /** Runs `work`, reporting its outcome. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.up();
      return result;
    } catch (error) {
      this.failed(error);
      throw error;
    }
  }

  #set(available: boolean, error?: unknown): void {
    if (available === this.#available) return;
    this.#available = available;
    for (const listener of this.#listeners) listener(available, error);
  }
}

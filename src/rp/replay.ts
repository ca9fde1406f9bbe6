/** Remembers the `jti` of every SET processed, so that a replay is refused. A port with a bounded memory implementation. */
export interface ReplayStore {
  /** Records the key; false when it was already recorded. */
  claim(key: string): Promise<boolean>;
  /** Forgets a key whose processing failed, so that the transmitter's retry is accepted. */
  release(key: string): Promise<void>;
}

export class MemoryReplayStore implements ReplayStore {
  readonly #seen = new Set<string>();
  readonly #limit: number;

  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  async claim(key: string): Promise<boolean> {
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    if (this.#seen.size > this.#limit) this.#seen.delete(this.#seen.values().next().value as string);
    return true;
  }

  async release(key: string): Promise<void> {
    this.#seen.delete(key);
  }
}

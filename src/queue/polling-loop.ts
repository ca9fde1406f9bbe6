import { setTimeout as delay } from 'node:timers/promises';

export interface PollingLoopOptions {
  /** Pause between rounds. */
  readonly pollMs: number;
  /** How many loops run side by side (each calls `round` with its index). */
  readonly loops: number;
  readonly round: (index: number, signal: AbortSignal) => Promise<void>;
  /** Told about a round that threw; the loop goes on after the pause. */
  readonly onError: (error: unknown) => void;
}

/** Runs `round`, pauses `pollMs`, and again, until stopped; stop waits for the rounds under way. */
export class PollingLoop {
  readonly #options: PollingLoopOptions;
  #abort: AbortController | null = null;
  #done: Promise<unknown> = Promise.resolve();

  constructor(options: PollingLoopOptions) {
    this.#options = options;
  }

  get running(): boolean {
    return this.#abort !== null;
  }

  start(): void {
    if (this.#abort) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#done = Promise.all(Array.from({ length: Math.max(1, this.#options.loops) }, (_, i) => this.#run(i, abort.signal)));
  }

  async stop(): Promise<void> {
    const abort = this.#abort;
    if (!abort) return;
    abort.abort();
    await this.#done;
    this.#abort = null;
  }

  async #run(index: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#options.round(index, signal);
      } catch (error) {
        this.#options.onError(error);
      }
      await delay(this.#options.pollMs, undefined, { signal }).catch(() => {});
    }
  }
}

/**
 * Group member changes gathered per group: while one modify of a group is in flight, the members other calls add to
 * (or remove from) the same group wait, and go out together in the next modify — one rewrite of a large group
 * entry instead of one per member. A combined modify that fails (a member already there, a group missing) is given
 * back to the callers, who then run their change alone with its own error handling.
 */
export type MemberOperation = 'add' | 'delete';

interface Waiting {
  readonly ids: string[];
  readonly done: Promise<boolean>;
  settle(ok: boolean): void;
}

export class MemberBatcher {
  readonly #send: (groupDn: string, operation: MemberOperation, ids: readonly string[]) => Promise<void>;
  /** Per group and operation: the modify in flight. */
  readonly #inFlight = new Map<string, Promise<unknown>>();
  /** Per group and operation: the members waiting for the next modify. */
  readonly #waiting = new Map<string, Waiting>();

  constructor(send: (groupDn: string, operation: MemberOperation, ids: readonly string[]) => Promise<void>) {
    this.#send = send;
  }

  /** True when the change went out (with the others waiting) and succeeded; false when the caller must make it alone. */
  change(groupDn: string, operation: MemberOperation, id: string): Promise<boolean> {
    const key = `${operation}\u0000${groupDn}`;
    const waiting = this.#waiting.get(key);
    if (waiting) {
      waiting.ids.push(id);
      return waiting.done;
    }
    let settle: (ok: boolean) => void = () => {};
    const done = new Promise<boolean>((resolve) => (settle = resolve));
    const next: Waiting = { ids: [id], done, settle };
    this.#waiting.set(key, next);
    const before = this.#inFlight.get(key) ?? Promise.resolve();
    const flight = before.then(() => this.#flush(key, groupDn, operation, next));
    this.#inFlight.set(key, flight);
    void flight.finally(() => {
      if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key);
    });
    return done;
  }

  async #flush(key: string, groupDn: string, operation: MemberOperation, batch: Waiting): Promise<void> {
    // from here on, newcomers start the next batch
    if (this.#waiting.get(key) === batch) this.#waiting.delete(key);
    try {
      await this.#send(groupDn, operation, [...new Set(batch.ids)]);
      batch.settle(true);
    } catch {
      batch.settle(false);
    }
  }
}

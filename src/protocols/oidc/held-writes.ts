import { AsyncLocalStorage } from 'node:async_hooks';
import type { AdapterPayload } from 'oidc-provider';
import type { AlongsideWrite } from '../../audit/audit-repository.ts';

/** A write of a model row oidc-provider made while writes were held: sent later, with what the request commits. */
export type HeldWrite =
  | { readonly kind: 'upsert'; readonly model: string; readonly id: string; readonly payload: AdapterPayload; readonly expires: Date | null }
  | { readonly kind: 'destroy'; readonly model: string; readonly id: string };

const keyOf = (model: string, id: string) => `${model}\u0000${id}`;

/**
 * The writes one OP request holds back until it has its answer: oidc-provider's saves and deletions of its models (the
 * code and the session of a resumed authorization, its interaction gone; the token at the token endpoint) and muster's
 * own writes beside them (an RP's use of a subject). They are sent together, in one statement and with the request's
 * audit entries, before the answer goes out. One write is held per row, the last; a write that cannot stand in place
 * of the held one (an upsert after a destroy) is refused, and the caller sends what is held first. A code's use is
 * never held: it is written at once, and only once (adapter.ts `consume`).
 */
export class HeldWrites {
  readonly #rows = new Map<string, HeldWrite>();
  readonly #others: AlongsideWrite[] = [];

  /** Holds a row's write; false when it cannot be held behind the one already held for that row. */
  hold(write: HeldWrite): boolean {
    const key = keyOf(write.model, write.id);
    const before = this.#rows.get(key);
    if (before && write.kind === 'upsert' && before.kind !== 'upsert') return false;
    this.#rows.delete(key);
    this.#rows.set(key, write);
    return true;
  }

  /** Holds a write of muster's own that commits with the rest. */
  alongside(write: AlongsideWrite): void {
    this.#others.push(write);
  }

  /**
   * What a look-up sees of the held writes: the held row, `null` when it is held destroyed, undefined when nothing
   * held bears on it. `stale` when the store must be brought up to date first (a look-up by uid while a destroy of
   * that model is held).
   */
  seen(model: string, column: 'id' | 'uid', value: string): AdapterPayload | null | undefined | 'stale' {
    if (column === 'id') {
      const held = this.#rows.get(keyOf(model, value));
      if (!held) return undefined;
      return held.kind === 'upsert' ? held.payload : null;
    }
    for (const held of this.#rows.values()) {
      if (held.model !== model) continue;
      if (held.kind === 'upsert' && held.payload.uid === value) return held.payload;
      if (held.kind !== 'upsert') return 'stale';
    }
    return undefined;
  }

  get size(): number {
    return this.#rows.size + this.#others.length;
  }

  /** Everything held, in the order held; nothing is held afterwards. */
  take(): { rows: HeldWrite[]; others: AlongsideWrite[] } {
    const taken = { rows: [...this.#rows.values()], others: this.#others.splice(0) };
    this.#rows.clear();
    return taken;
  }
}

const holding = new AsyncLocalStorage<HeldWrites>();

/** The writes the running request holds, if it holds them. */
export function heldWrites(): HeldWrites | undefined {
  return holding.getStore();
}

/** Runs `work` with its writes held in `held`. */
export function holdingWritesIn<T>(held: HeldWrites, work: () => Promise<T>): Promise<T> {
  return holding.run(held, work);
}

/** Runs `work` with its writes held; returns its value and what it held, for the caller to send with its audit entries. */
export async function holdingWrites<T>(work: () => Promise<T>): Promise<{ value: T; held: HeldWrites }> {
  const held = new HeldWrites();
  const value = await holdingWritesIn(held, work);
  return { value, held };
}

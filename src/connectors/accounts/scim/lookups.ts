// The User look-ups made at once (a batch of joiners, each looked up before it is made) go out together in one GET.
import type { Json, ScimResponse } from './client.ts';
import { filterString } from './mapping.ts';

/** userNames one GET asks for at most (`userName eq "a" or userName eq "b" …`), keeping its URL short. */
export const KEYS_PER_LOOKUP = 50;

/** Answers to a combined filter that mean the service does not take it: the look-ups go one by one from then on. */
const FILTER_REFUSED = [400, 403, 501];

type Get = (query: Record<string, string | number>, accept: readonly number[]) => Promise<ScimResponse>;

interface Waiting {
  readonly key: string;
  readonly resolve: (users: Json[]) => void;
  readonly reject: (error: unknown) => void;
}

function resources(body: Json | null): Json[] {
  return Array.isArray(body?.Resources) ? (body.Resources as Json[]) : [];
}

/** The filter that finds the Users with any of these userNames. */
export function anyUserName(keys: readonly string[]): string {
  return keys.map((key) => `userName eq ${filterString(key)}`).join(' or ');
}

/**
 * Finds Users by userName. Once `combine()` is called (a service that advertises filters and /Bulk), the look-ups made
 * in one turn of the event loop go out in GETs of up to KEYS_PER_LOOKUP userNames each; a key a partial answer (a
 * service that pages below the count asked) leaves out is asked alone, and a service that refuses the combined filter
 * gets every look-up alone from then on.
 */
export class UserLookups {
  readonly #get: Get;
  #combined = false;
  #waiting: Waiting[] = [];

  constructor(get: Get) {
    this.#get = get;
  }

  combine(on: boolean): void {
    this.#combined = on;
  }

  /** The Users whose userName is the key, but for case (userName is not case-exact). */
  find(key: string): Promise<Json[]> {
    if (!this.#combined) return this.#alone(key);
    return new Promise((resolve, reject) => {
      if (this.#waiting.length === 0) setImmediate(() => this.#flush());
      this.#waiting.push({ key, resolve, reject });
    });
  }

  async #alone(key: string): Promise<Json[]> {
    return resources((await this.#get({ filter: `userName eq ${filterString(key)}` }, [])).body);
  }

  #flush(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (let i = 0; i < waiting.length; i += KEYS_PER_LOOKUP) void this.#together(waiting.slice(i, i + KEYS_PER_LOOKUP));
  }

  async #together(calls: readonly Waiting[]): Promise<void> {
    if (calls.length === 1 || !this.#combined) {
      for (const c of calls) this.#alone(c.key).then(c.resolve, c.reject);
      return;
    }
    const keys = [...new Set(calls.map((c) => c.key))];
    let answer: ScimResponse;
    try {
      answer = await this.#get({ filter: anyUserName(keys), count: keys.length }, FILTER_REFUSED);
    } catch (error) {
      for (const c of calls) c.reject(error);
      return;
    }
    if (FILTER_REFUSED.includes(answer.status)) {
      this.#combined = false;
      for (const c of calls) this.#alone(c.key).then(c.resolve, c.reject);
      return;
    }
    const users = resources(answer.body);
    const complete = Number(answer.body?.totalResults ?? users.length) <= users.length;
    for (const c of calls) {
      const matching = users.filter((u) => String(u.userName).toLowerCase() === c.key.toLowerCase());
      if (matching.length > 0 || complete) c.resolve(matching);
      else this.#alone(c.key).then(c.resolve, c.reject);
    }
  }
}

import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Named prepared statements for the statements a process sends again and again. A statement with parameters is
 * parsed and planned by PostgreSQL on every execution when it goes unnamed; named, each connection parses it once and
 * the server may keep its plan, which for the sign-in's joined look-ups costs more than running them. Only a text
 * seen before and no longer than MAX_TEXT is named (a bulk write's one-off VALUES list is not kept on the server), and
 * names are kept for the first `limit` such texts only, so each connection holds a bounded number of statements and
 * the rest go unnamed, as before.
 */
/** The longest text named; longer ones are bulk statements, run once. */
const MAX_TEXT = 8192;
/** Texts seen once that are remembered, waiting for a second time; forgotten all together when full. */
const MAX_SEEN = 2000;

export class PreparedStatements {
  readonly #names = new Map<string, string>();
  readonly #seen = new Set<string>();
  /** Texts that may not go named again (their plan's result type changed under them). */
  readonly #refused = new Set<string>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The query config for `text`: named while there is room for its name, unnamed otherwise. */
  config(text: string, values: unknown[]): pg.QueryConfig {
    const name = this.#nameOf(text);
    return name ? { name, text, values } : { text, values };
  }

  /**
   * Whether `error` is the server refusing a prepared statement whose tables changed shape since it was parsed on this
   * connection (a migration, a table made again): the text then goes unnamed from here on, and the caller runs it once more.
   */
  refusedAfterSchemaChange(text: string, error: unknown): boolean {
    const code = (error as { code?: string } | null)?.code;
    if (code !== '0A000' || !this.#names.has(text)) return false;
    this.#names.delete(text);
    this.#refused.add(text);
    return true;
  }

  #nameOf(text: string): string | undefined {
    const known = this.#names.get(text);
    if (known !== undefined) return known;
    if (this.#names.size >= this.#limit || text.length > MAX_TEXT || this.#refused.has(text)) return undefined;
    if (!this.#seen.has(text)) {
      if (this.#seen.size >= MAX_SEEN) this.#seen.clear();
      this.#seen.add(text);
      return undefined;
    }
    this.#seen.delete(text);
    const name = `muster_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    this.#names.set(text, name);
    return name;
  }
}

/**
 * The RP's own sessions: their lifetime is the RP's policy, not the assertion's (SP 800-217 §5.3).
 * The store is a port; `MemorySessionStore` serves the reference RP and tests.
 */
import { randomBytes } from 'node:crypto';
import type { FederatedIdentifier } from './assertion.ts';

export interface Session {
  readonly id: string;
  readonly accountId: string;
  readonly identifier: FederatedIdentifier;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly expiresAt: number;
  /** `auth_time` of the assertion that opened the session (seconds). */
  readonly authTime: number;
}

export type NewSession = Omit<Session, 'id' | 'createdAt' | 'expiresAt'>;

export interface SessionStore {
  create(session: NewSession): Promise<Session>;
  /** The session, if it exists and has not expired. */
  get(id: string): Promise<Session | undefined>;
  delete(id: string): Promise<void>;
  /** Ends every session of an account; returns how many ended. */
  deleteForAccount(accountId: string): Promise<number>;
}

export interface MemorySessionOptions {
  /** Lifetime of a session in seconds; default 8 hours. */
  readonly lifetimeSeconds?: number;
  readonly now?: () => number;
}

export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #lifetimeMs: number;
  readonly #now: () => number;

  constructor(options: MemorySessionOptions = {}) {
    this.#lifetimeMs = (options.lifetimeSeconds ?? 8 * 3600) * 1000;
    this.#now = options.now ?? Date.now;
  }

  async create(input: NewSession): Promise<Session> {
    const createdAt = this.#now();
    const session = { ...input, id: randomBytes(32).toString('base64url'), createdAt, expiresAt: createdAt + this.#lifetimeMs };
    this.#sessions.set(session.id, session);
    return session;
  }

  async get(id: string): Promise<Session | undefined> {
    const session = this.#sessions.get(id);
    if (session && session.expiresAt <= this.#now()) this.#sessions.delete(id);
    return this.#sessions.get(id);
  }

  async delete(id: string): Promise<void> {
    this.#sessions.delete(id);
  }

  async deleteForAccount(accountId: string): Promise<number> {
    const ended = [...this.#sessions.values()].filter((s) => s.accountId === accountId);
    for (const session of ended) this.#sessions.delete(session.id);
    return ended.length;
  }

  /** Sessions of one account (tests and the reference RP's page). */
  forAccount(accountId: string): Session[] {
    return [...this.#sessions.values()].filter((s) => s.accountId === accountId);
  }
}

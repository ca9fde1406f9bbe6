import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import type { Clock } from '../../core/clock.ts';
import type { Queryable, Store } from '../../store/store.ts';
import { type HeldWrite, heldWrites } from './held-writes.ts';
import { findWithLinks, writeHeld } from './payload-repository.ts';
import { PAIRWISE_READ, SUBJECT_READ, subjectOfColumn } from './sign-in-subject.ts';
import { forgetReads, readBefore, rememberAlso, rememberRead } from './request-reads.ts';

/**
 * oidc-provider's persistence over `oidc_payloads`: sessions, interactions, grants, codes, tokens and dynamically
 * registered clients, one row per (model, id). Expiry is muster's: a row whose `expires_at` has passed on the injected
 * clock is not found, whatever oidc-provider's own clock says, and a periodic purge deletes it.
 */

/** Where the `Client` model comes from: trust agreements, not this table alone. */
export interface ClientSource {
  find(clientId: string): Promise<AdapterPayload | undefined>;
  /** Stores a dynamically registered client (and links it to its agreement) in one transaction. */
  save(tx: Queryable, clientId: string, metadata: AdapterPayload): Promise<void>;
}

export interface AdapterDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly clients: ClientSource;
}

interface PayloadRow extends Record<string, unknown> {
  payload: AdapterPayload;
  consumed_at: Date | null;
}

const COLUMNS = '(model, id, payload, grant_id, user_code, uid, account_id, expires_at, consumed_at)';

/** The adapter factory oidc-provider takes as `adapter`: one instance per model name. */
export function adapterFactory(deps: AdapterDeps): (model: string) => Adapter {
  return (model) => (model === 'Client' ? clientAdapter(deps) : new PayloadAdapter(model, deps));
}

/** The models whose rows name a grant and a session that the same request goes on to read: read with them. */
const READ_WITH_LINKS = new Set(['AuthorizationCode', 'AccessToken', 'RefreshToken', 'Interaction']);

export class PayloadAdapter implements Adapter {
  readonly #model: string;
  readonly #d: AdapterDeps;

  constructor(model: string, deps: AdapterDeps) {
    this.#model = model;
    this.#d = deps;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    refuseNul(payload);
    forgetReads(this.#model);
    const expires = expiresAt(this.#d.clock, expiresIn);
    if (await this.#held({ kind: 'upsert', model: this.#model, id, payload, expires })) return;
    await upsertPayload(this.#d.store, this.#model, id, payload, expires);
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.#findBy('id', id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findBy('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findBy('user_code', userCode);
  }

  /**
   * Marks a code (or a rotated refresh token) used, at once and only if it was not: of two requests redeeming it at the
   * same moment, the one that finds it used already is refused (oidc-provider checks only what it read before).
   */
  async consume(id: string): Promise<void> {
    forgetReads(this.#model);
    const used = await this.#d.store.query('UPDATE oidc_payloads SET consumed_at = $3 WHERE model = $1 AND id = $2 AND consumed_at IS NULL RETURNING 1', [this.#model, id, this.#d.clock.now()]);
    if (used.length === 0) throw new errors.InvalidGrant('the grant was used already');
  }

  async destroy(id: string): Promise<void> {
    forgetReads(this.#model);
    if (await this.#held({ kind: 'destroy', model: this.#model, id })) return;
    await this.#d.store.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [this.#model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    forgetReads(this.#model);
    await this.#sendHeld();
    await this.#d.store.query('DELETE FROM oidc_payloads WHERE model = $1 AND grant_id = $2', [this.#model, grantId]);
  }

  /** Holds a write when the request holds its writes (sending what is held first if the write cannot wait behind it). */
  async #held(write: HeldWrite): Promise<boolean> {
    const held = heldWrites();
    if (!held) return false;
    if (held.hold(write)) return true;
    await writeHeld(this.#d.store, held);
    return held.hold(write);
  }

  async #sendHeld(): Promise<void> {
    const held = heldWrites();
    if (held && held.size > 0) await writeHeld(this.#d.store, held);
  }

  async #findBy(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    if (containsNul(value)) return undefined;
    if (column !== 'user_code') {
      const seen = heldWrites()?.seen(this.#model, column, value);
      if (seen === 'stale') await this.#sendHeld();
      else if (seen === null) return undefined;
      else if (seen !== undefined) return structuredClone(seen);
      const before = readBefore(this.#model, column, value);
      if (before) return structuredClone(before);
    }
    if (column === 'id' && READ_WITH_LINKS.has(this.#model)) return this.#findWithLinks(value);
    const [row] = await this.#d.store.query<PayloadRow>(`SELECT payload, consumed_at FROM oidc_payloads WHERE model = $1 AND ${column} = $2 AND (expires_at IS NULL OR expires_at > $3) LIMIT 1`, [
      this.#model,
      value,
      this.#d.clock.now(),
    ]);
    return row ? withConsumed(row) : undefined;
  }

  async #findWithLinks(id: string): Promise<AdapterPayload | undefined> {
    const rows = await findWithLinks(this.#d.store, this.#model, id, this.#d.clock.now());
    const found = rows.find((r) => r.model === this.#model && r.id === id);
    if (!found) return undefined;
    for (const row of rows) if (row !== found) rememberRead(row.model, row.id, row.uid, withConsumed(row));
    const sessionUid = found.payload.sessionUid;
    if (found.subject !== null && typeof sessionUid === 'string') {
      const { subject, pairwise } = subjectOfColumn(found.subject);
      rememberAlso(SUBJECT_READ, sessionUid, subject);
      rememberAlso(PAIRWISE_READ, `${subject.identity.id} ${String(found.payload.clientId)}`, pairwise);
    }
    return withConsumed(found);
  }
}

function withConsumed(row: { payload: AdapterPayload; consumed_at: Date | string | null }): AdapterPayload {
  return row.consumed_at ? { ...row.payload, consumed: Math.floor(new Date(row.consumed_at).getTime() / 1000) } : row.payload;
}

/** The `Client` model: found through the client source (agreements); stored only by dynamic registration. */
function clientAdapter(deps: AdapterDeps): Adapter {
  const rows = new PayloadAdapter('Client', deps);
  return {
    find: async (id) => (containsNul(id) ? undefined : deps.clients.find(id)),
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    upsert: async (id, payload) => {
      refuseNul(payload);
      await deps.store.transaction((tx) => deps.clients.save(tx, id, payload));
    },
    consume: async () => undefined,
    destroy: (id) => rows.destroy(id),
    revokeByGrantId: async () => undefined,
  };
}

/** Whether a value from a request (a string, or strings within arrays and objects) holds a NUL character. */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v));
  return false;
}

/**
 * No identifier holds a NUL (none is found by one), and no payload may: PostgreSQL text cannot, and the request that
 * carried it gets `invalid_request` rather than a server error.
 */
function refuseNul(payload: AdapterPayload): void {
  if (containsNul(payload)) throw new errors.InvalidRequest('a parameter contains a NUL character');
}

/** Writes one model row; `account_id` is the payload's accountId (the MUR identity), for ending an identity's sessions. */
export async function upsertPayload(db: Queryable, model: string, id: string, payload: AdapterPayload, expires: Date | null): Promise<void> {
  await db.query(
    `INSERT INTO oidc_payloads ${COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)
     ON CONFLICT (model, id) DO UPDATE SET payload = $3, grant_id = $4, user_code = $5, uid = $6, account_id = $7, expires_at = $8`,
    [model, id, payload, payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, payload.accountId ?? null, expires],
  );
}

/**
 * Writes a model row only if no live row holds its id (an expired one is replaced); returns whether it was written.
 * One statement, so of several writers of the same id at once exactly one is told it wrote it.
 */
export async function insertPayloadOnce(db: Queryable, model: string, id: string, payload: AdapterPayload, expires: Date, at: Date): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO oidc_payloads ${COLUMNS} VALUES ($1, $2, $3, NULL, NULL, NULL, NULL, $4, NULL)
     ON CONFLICT (model, id) DO UPDATE SET payload = $3, expires_at = $4, consumed_at = NULL WHERE oidc_payloads.expires_at IS NOT NULL AND oidc_payloads.expires_at <= $5
     RETURNING 1`,
    [model, id, payload, expires, at],
  );
  return rows.length === 1;
}

/** The stored payload of a model row, ignoring expiry (dynamic clients have none). */
export async function storedPayload(db: Queryable, model: string, id: string): Promise<AdapterPayload | undefined> {
  const [row] = await db.query<{ payload: AdapterPayload }>('SELECT payload FROM oidc_payloads WHERE model = $1 AND id = $2', [model, id]);
  return row?.payload;
}

function expiresAt(clock: Clock, expiresIn: number): Date | null {
  return Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(clock.now().getTime() + expiresIn * 1000) : null;
}

/** Deletes every row whose expiry has passed; returns how many. */
export async function purgeExpiredPayloads(db: Queryable, at: Date): Promise<number> {
  const rows = await db.query('DELETE FROM oidc_payloads WHERE expires_at <= $1 RETURNING 1', [at]);
  return rows.length;
}

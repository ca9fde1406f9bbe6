import { isDeepStrictEqual } from 'node:util';
import { recordAudit } from '../audit/queries.ts';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import { type AgreementDocument, type AgreementRelyingParty, type TrustAgreement, checkAgreement } from '../core/federation/agreement.ts';
import { sql } from 'kysely';
import type { Queryable, Row, Store, Tx, Unlisten } from '../store/store.ts';

export type AgreementStatus = TrustAgreement['status'];

export interface AgreementVersion extends TrustAgreement {
  readonly author: string;
  readonly reason: string;
  readonly createdAt: string;
}

/** A relying party as the OP sees it: its agreement, and its entry there (absent for a dynamic registration). */
export interface ClientAgreement {
  readonly agreement: TrustAgreement;
  readonly rp: AgreementRelyingParty | undefined;
  readonly registration: 'agreement' | 'dynamic';
}

/** A problem with an agreement document, named by its field. */
export interface AgreementProblem {
  readonly field: string;
  readonly value?: string;
  readonly message: string;
}

/** Checks an agreement's relying parties as the OP will see them; returns what it would refuse (empty: nothing). */
export type AgreementClientCheck = (id: string, document: AgreementDocument) => Promise<AgreementProblem[]>;

export interface AgreementDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  /** The OP's client rules, applied at save; without it only the agreement schema is checked. */
  readonly checkClients?: AgreementClientCheck;
}

/**
 * Agreements muster makes for itself at start-up (the console is a relying party of muster's own OP): no operator
 * saves, suspends or ends them; muster alone writes them, through `saveBuiltIn`.
 */
export const BUILT_IN_AGREEMENTS: ReadonlySet<string> = new Set(['muster-console']);

const NEWEST = 'SELECT DISTINCT ON (id) * FROM trust_agreements ORDER BY id, version DESC';
const AGREEMENT_LOCK = 7_266_005;

function versionOf(row: Row): AgreementVersion {
  return {
    id: row.id as string,
    version: Number(row.version),
    status: row.status as AgreementStatus,
    document: row.document as AgreementDocument,
    author: row.author as string,
    reason: row.reason as string,
    createdAt: (row.created_at as Date).toISOString(),
  };
}

/** The agreement in force for an id (newest version), whatever its status. */
export async function agreementById(db: Queryable, id: string): Promise<AgreementVersion | undefined> {
  const [row] = await db.query('SELECT * FROM trust_agreements WHERE id = $1 ORDER BY version DESC LIMIT 1', [id]);
  return row ? versionOf(row) : undefined;
}

/**
 * Clients' agreements as last read, per store: the OP asks for a client several times in one sign-in. Entries are kept
 * only for a store whose every change this process hears at once: PGlite (one process; its own changes forget them)
 * or PostgreSQL while this process listens to AGREEMENTS_CHANNEL (watchAgreements), on which every change to an
 * agreement or a client registration is notified as it commits. Any other store is read each time.
 */
const CLIENT_CACHE_LIMIT = 10_000;
const clientCache = new WeakMap<Queryable, Map<string, { readonly generation: number; readonly value: ClientAgreement | undefined }>>();
const watchedStores = new WeakSet<Queryable>();
/** Moved by every change heard of, per store: a read begun before a change is not kept after it. */
const generations = new WeakMap<Queryable, number>();
const generationOf = (store: Queryable): number => generations.get(store) ?? 0;

/** The notification channel of changes to agreements and client registrations. */
export const AGREEMENTS_CHANNEL = 'muster_agreements';

/** Forgets every client agreement cached for the store (after a change to agreements or registrations). */
export function forgetClientAgreements(store: Queryable): void {
  generations.set(store, generationOf(store) + 1);
  clientCache.delete(store);
}

/** Tells every muster process on the store, when the transaction commits, that agreements or registrations changed. */
async function notifyAgreementChange(tx: Queryable): Promise<void> {
  await sql`SELECT pg_notify(${AGREEMENTS_CHANNEL}, '')`.execute(tx.db);
}

/**
 * Lets this process cache clients' agreements on `store` for as long as it hears every change: at once on PGlite; on
 * PostgreSQL while it listens to AGREEMENTS_CHANNEL (a lost connection stops the caching until it listens again).
 * `onChange` is told after each change notified by any process has been applied. Returns the function that stops it.
 */
export async function watchAgreements(store: Store, options: { onChange?: () => void } = {}): Promise<Unlisten> {
  forgetClientAgreements(store);
  if (!store.capabilities.multipleConnections) {
    watchedStores.add(store);
    return async () => {
      watchedStores.delete(store);
    };
  }
  if (!store.listen) return async () => {};
  const stop = await store.listen(AGREEMENTS_CHANNEL, {
    notified: () => {
      forgetClientAgreements(store);
      options.onChange?.();
    },
    listening: (live) => {
      forgetClientAgreements(store);
      if (live) watchedStores.add(store);
      else watchedStores.delete(store);
    },
  });
  return async () => {
    watchedStores.delete(store);
    await stop();
  };
}

/** The active agreement a client belongs to, or undefined (unknown client, or its agreement is not active). */
export async function agreementOfClient(db: Queryable, clientId: string): Promise<ClientAgreement | undefined> {
  if (!watchedStores.has(db)) return readAgreementOfClient(db, clientId);
  const cache = clientCache.get(db) ?? new Map();
  clientCache.set(db, cache);
  const hit = cache.get(clientId);
  if (hit && hit.generation === generationOf(db)) return hit.value;
  const generation = generationOf(db);
  const value = await readAgreementOfClient(db, clientId);
  if (generation !== generationOf(db)) return value;
  if (cache.size >= CLIENT_CACHE_LIMIT) cache.clear();
  cache.set(clientId, { generation, value });
  return value;
}

async function readAgreementOfClient(db: Queryable, clientId: string): Promise<ClientAgreement | undefined> {
  const [link] = await db.query<{ agreement_id: string; registration: 'agreement' | 'dynamic' }>('SELECT agreement_id, registration FROM federation_clients WHERE client_id = $1', [clientId]);
  if (!link) return undefined;
  const agreement = await agreementById(db, link.agreement_id);
  if (!agreement || agreement.status !== 'active') return undefined;
  const rp = agreement.document.relyingParties.find((r) => r.clientId === clientId);
  if (link.registration === 'agreement' && !rp) return undefined;
  return { agreement, rp, registration: link.registration };
}

/** Versioned trust agreements: every save adds a version, audited; the RPs they list become registered clients. */
export class AgreementService {
  readonly #d: AgreementDeps;

  constructor(deps: AgreementDeps) {
    this.#d = deps;
  }

  async list(): Promise<AgreementVersion[]> {
    return (await this.#d.store.query(`${NEWEST}`)).map(versionOf);
  }

  async get(id: string): Promise<AgreementVersion> {
    const found = await agreementById(this.#d.store, id);
    if (!found) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no trust agreement '${id}'`, [{ field: 'id', value: id, message: 'no such agreement' }]);
    return found;
  }

  async history(id: string): Promise<AgreementVersion[]> {
    await this.get(id);
    return (await this.#d.store.query('SELECT * FROM trust_agreements WHERE id = $1 ORDER BY version DESC', [id])).map(versionOf);
  }

  forClient(clientId: string): Promise<ClientAgreement | undefined> {
    return agreementOfClient(this.#d.store, clientId);
  }

  /**
   * Checks and saves the document as the next version, registering its RPs' client ids. A new or active
   * agreement is active; a suspended one stays suspended until activated; an ended one is refused (audited).
   */
  async save(id: string, document: unknown, actor: string, reason: string): Promise<AgreementVersion> {
    requireReason(reason);
    const checked = await this.check(id, document);
    return this.#change(id, actor, reason, (current) => {
      if (BUILT_IN_AGREEMENTS.has(id)) return builtInRefusal(id, 'save');
      if (current?.status === 'ended') return refusal(id, 'save', `trust agreement '${id}' has ended; a new agreement needs a new id`);
      return { document: checked, status: current?.status === 'suspended' ? 'suspended' : 'active', action: 'agreement.saved' };
    });
  }

  /** Checks a document as a save would (its shape, and its RPs against the OP's client rules) without saving it. */
  async check(id: string, document: unknown): Promise<AgreementDocument> {
    const checked = checkAgreement(id, document);
    await this.#checkClients(id, checked);
    return checked;
  }

  /**
   * Suspends, ends or reactivates an agreement; its RPs can sign no one in unless it is active. Ending is
   * final: an ended agreement is never suspended or reactivated. A refused change is audited.
   */
  async setStatus(id: string, status: AgreementStatus, actor: string, reason: string): Promise<AgreementVersion> {
    requireReason(reason);
    await this.get(id);
    return this.#change(id, actor, reason, (current) => {
      if (BUILT_IN_AGREEMENTS.has(id)) return builtInRefusal(id, status);
      const from = current?.status ?? 'ended';
      if (from === status) return refusal(id, status, `trust agreement '${id}' is already ${status}`);
      if (!STATUS_MOVES[from].includes(status)) return refusal(id, status, `trust agreement '${id}' is ${from}: it cannot become ${status}`);
      return { document: (current as AgreementVersion).document, status, action: `agreement.${status}` };
    });
  }

  /**
   * Saves a built-in agreement as muster (`actor` muster) when its document differs from the one in force, and keeps
   * it active; returns the version in force. Only start-up calls this.
   */
  async saveBuiltIn(id: string, document: unknown, reason: string): Promise<AgreementVersion> {
    if (!BUILT_IN_AGREEMENTS.has(id)) throw new MusterError('MUSTER_ERR_INTERNAL', `'${id}' is not a built-in agreement`);
    const checked = checkAgreement(id, document);
    await this.#checkClients(id, checked);
    const current = await agreementById(this.#d.store, id);
    if (current?.status === 'active' && isDeepStrictEqual(current.document, checked)) return current;
    return this.#change(id, 'muster', reason, () => ({ document: checked, status: 'active', action: 'agreement.saved' }));
  }

  /** Records a dynamically registered client under an agreement that allows it (inside the registration's transaction). */
  async registerDynamicClient(db: Queryable, clientId: string, agreementId: string): Promise<void> {
    const agreement = await agreementById(db, agreementId);
    if (!agreement || agreement.status !== 'active' || !agreement.document.dynamicRegistration) {
      throw new MusterError('MUSTER_ERR_AGREEMENT', `trust agreement '${agreementId}' does not allow dynamic registration`, [
        { field: 'agreement', value: agreementId, message: 'not active or no dynamic registration' },
      ]);
    }
    await db.query("INSERT INTO federation_clients (client_id, agreement_id, registration, created_at) VALUES ($1, $2, 'dynamic', $3)", [clientId, agreementId, this.#d.clock.now()]);
    await notifyAgreementChange(db);
    forgetClientAgreements(this.#d.store);
  }

  async #checkClients(id: string, document: AgreementDocument): Promise<void> {
    const problems = (await this.#d.checkClients?.(id, document)) ?? [];
    if (problems.length === 0) return;
    throw new MusterError(
      'MUSTER_ERR_AGREEMENT',
      `trust agreement '${id}' has ${problems.length} relying party problem(s) the OP would refuse: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      problems,
    );
  }

  async #change(id: string, actor: string, reason: string, decide: (current: AgreementVersion | undefined) => Change | Refusal): Promise<AgreementVersion> {
    const { store, audit, clock } = this.#d;
    const now = clock.now();
    const outcome = await store.transaction(async (tx: Tx): Promise<AgreementVersion | Refusal> => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [AGREEMENT_LOCK]);
      const change = decide(await agreementById(tx, id));
      if ('refused' in change) return change;
      await linkClients(tx, id, change.document, now);
      const [{ next }] = (await tx.query<{ next: number }>('SELECT COALESCE(MAX(version), 0) + 1 AS next FROM trust_agreements WHERE id = $1', [id])) as [{ next: number }];
      const [row] = await tx.query('INSERT INTO trust_agreements (id, version, status, document, author, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *', [
        id,
        next,
        change.status,
        change.document,
        actor,
        reason,
        now,
      ]);
      await audit.append(
        tx,
        [{ actor, action: change.action, target: `agreement:${id}`, reason, data: { id, version: Number(next), status: change.status, document: change.document } }],
        `agreement-${id}-${next}`,
      );
      await notifyAgreementChange(tx);
      return versionOf(row as Row);
    });
    forgetClientAgreements(store);
    if (!('refused' in outcome)) return outcome;
    await recordAudit(
      store,
      audit,
      { actor, action: 'agreement.refused', target: `agreement:${id}`, reason: outcome.error.message, data: { id, requested: outcome.requested, reason } },
      `agreement-${id}-refused`,
    );
    throw outcome.error;
  }
}

/** What a change writes: the document and status of the next version, and the audit action. */
interface Change {
  readonly document: AgreementDocument;
  readonly status: AgreementStatus;
  readonly action: string;
}

/** A change the agreement's state forbids: nothing is written but the audited refusal. */
interface Refusal {
  readonly refused: true;
  readonly requested: string;
  readonly error: MusterError;
}

/** Where an agreement may go from each status; `ended` is final. */
const STATUS_MOVES: Readonly<Record<AgreementStatus, readonly AgreementStatus[]>> = {
  active: ['suspended', 'ended'],
  suspended: ['active', 'ended'],
  ended: [],
};

function refusal(id: string, requested: string, message: string): Refusal {
  return { refused: true, requested, error: new MusterError('MUSTER_ERR_CONFLICT', message, [{ field: 'status', value: requested, message: `not allowed for agreement '${id}'` }]) };
}

function builtInRefusal(id: string, requested: string): Refusal {
  return {
    refused: true,
    requested,
    error: new MusterError('MUSTER_ERR_CONFLICT', `trust agreement '${id}' is built in: muster keeps it, no operator changes it`, [{ field: 'id', value: id, message: 'built-in agreement' }]),
  };
}

/** Makes the agreement's RPs its registered clients; a client id of another agreement is refused. */
async function linkClients(tx: Tx, id: string, document: AgreementDocument, at: Date): Promise<void> {
  const ids = document.relyingParties.map((rp) => rp.clientId);
  const taken = await tx.query<{ client_id: string; agreement_id: string }>('SELECT client_id, agreement_id FROM federation_clients WHERE client_id = ANY($1) AND agreement_id <> $2', [ids, id]);
  if (taken.length > 0) {
    throw new MusterError(
      'MUSTER_ERR_AGREEMENT',
      `client id(s) ${taken.map((t) => t.client_id).join(', ')} belong to another agreement`,
      taken.map((t) => ({ field: 'relyingParties.clientId', value: t.client_id, message: `registered under '${t.agreement_id}'` })),
    );
  }
  await tx.query("DELETE FROM federation_clients WHERE agreement_id = $1 AND registration = 'agreement' AND NOT (client_id = ANY($2))", [id, ids]);
  for (const clientId of ids) {
    await tx.query("INSERT INTO federation_clients (client_id, agreement_id, registration, created_at) VALUES ($1, $2, 'agreement', $3) ON CONFLICT (client_id) DO NOTHING", [clientId, id, at]);
  }
}

function requireReason(reason: string): void {
  if (!reason.trim()) throw new MusterError('MUSTER_ERR_VALIDATION', 'a trust agreement change needs a reason', [{ field: 'reason', message: 'required' }]);
}

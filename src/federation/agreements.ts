import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import { type AgreementDocument, type AgreementRelyingParty, type TrustAgreement, checkAgreement } from '../core/federation/agreement.ts';
import type { Queryable, Row, Store, Tx } from '../store/store.ts';

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

export interface AgreementDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
}

const NEWEST = 'SELECT DISTINCT ON (id) * FROM trust_agreements ORDER BY id, version DESC';
const AGREEMENT_LOCK = 7_266_005;

function versionOf(row: Row): AgreementVersion {
  return {
    id: row.id as string, version: Number(row.version), status: row.status as AgreementStatus, document: row.document as AgreementDocument,
    author: row.author as string, reason: row.reason as string, createdAt: (row.created_at as Date).toISOString(),
  };
}

/** The agreement in force for an id (newest version), whatever its status. */
export async function agreementById(db: Queryable, id: string): Promise<AgreementVersion | undefined> {
  const [row] = await db.query('SELECT * FROM trust_agreements WHERE id = $1 ORDER BY version DESC LIMIT 1', [id]);
  return row ? versionOf(row) : undefined;
}

/** The active agreement a client belongs to, or undefined (unknown client, or its agreement is not active). */
export async function agreementOfClient(db: Queryable, clientId: string): Promise<ClientAgreement | undefined> {
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

  /** Checks and saves the document as the next version (active), registering its RPs' client ids. */
  async save(id: string, document: unknown, actor: string, reason: string): Promise<AgreementVersion> {
    const checked = checkAgreement(id, document);
    requireReason(reason);
    return this.#write(id, checked, 'active', actor, reason, 'agreement.saved');
  }

  /** Suspends, ends or reactivates an agreement; its RPs can sign no one in unless it is active. */
  async setStatus(id: string, status: AgreementStatus, actor: string, reason: string): Promise<AgreementVersion> {
    requireReason(reason);
    const current = await this.get(id);
    if (current.status === status) throw new MusterError('MUSTER_ERR_CONFLICT', `trust agreement '${id}' is already ${status}`, [{ field: 'status', value: status, message: 'unchanged' }]);
    return this.#write(id, current.document, status, actor, reason, `agreement.${status}`);
  }

  /** Records a dynamically registered client under an agreement that allows it (inside the registration's transaction). */
  async registerDynamicClient(db: Queryable, clientId: string, agreementId: string): Promise<void> {
    const agreement = await agreementById(db, agreementId);
    if (!agreement || agreement.status !== 'active' || !agreement.document.dynamicRegistration) {
      throw new MusterError('MUSTER_ERR_AGREEMENT', `trust agreement '${agreementId}' does not allow dynamic registration`, [{ field: 'agreement', value: agreementId, message: 'not active or no dynamic registration' }]);
    }
    await db.query("INSERT INTO federation_clients (client_id, agreement_id, registration, created_at) VALUES ($1, $2, 'dynamic', $3)", [clientId, agreementId, this.#d.clock.now()]);
  }

  async #write(id: string, document: AgreementDocument, status: AgreementStatus, actor: string, reason: string, action: string): Promise<AgreementVersion> {
    const { store, audit, clock } = this.#d;
    const now = clock.now();
    return store.transaction(async (tx: Tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [AGREEMENT_LOCK]);
      await linkClients(tx, id, document, now);
      const [{ next }] = (await tx.query<{ next: number }>('SELECT COALESCE(MAX(version), 0) + 1 AS next FROM trust_agreements WHERE id = $1', [id])) as [{ next: number }];
      const [row] = await tx.query('INSERT INTO trust_agreements (id, version, status, document, author, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *', [id, next, status, document, actor, reason, now]);
      await audit.append(tx, [{ actor, action, target: `agreement:${id}`, reason, data: { id, version: Number(next), status, document } }], `agreement-${id}-${next}`);
      return versionOf(row as Row);
    });
  }
}

/** Makes the agreement's RPs its registered clients; a client id of another agreement is refused. */
async function linkClients(tx: Tx, id: string, document: AgreementDocument, at: Date): Promise<void> {
  const ids = document.relyingParties.map((rp) => rp.clientId);
  const taken = await tx.query<{ client_id: string; agreement_id: string }>('SELECT client_id, agreement_id FROM federation_clients WHERE client_id = ANY($1) AND agreement_id <> $2', [ids, id]);
  if (taken.length > 0) {
    throw new MusterError('MUSTER_ERR_AGREEMENT', `client id(s) ${taken.map((t) => t.client_id).join(', ')} belong to another agreement`, taken.map((t) => ({ field: 'relyingParties.clientId', value: t.client_id, message: `registered under '${t.agreement_id}'` })));
  }
  await tx.query("DELETE FROM federation_clients WHERE agreement_id = $1 AND registration = 'agreement' AND NOT (client_id = ANY($2))", [id, ids]);
  for (const clientId of ids) {
    await tx.query("INSERT INTO federation_clients (client_id, agreement_id, registration, created_at) VALUES ($1, $2, 'agreement', $3) ON CONFLICT (client_id) DO NOTHING", [clientId, id, at]);
  }
}

function requireReason(reason: string): void {
  if (!reason.trim()) throw new MusterError('MUSTER_ERR_VALIDATION', 'a trust agreement change needs a reason', [{ field: 'reason', message: 'required' }]);
}

import { MusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { recordDigest } from './digest.ts';
import type { SourceRegistry } from './registry.ts';
import { type SingleDeps, type SingleOutcome, applySingle } from './single.ts';
import type { SourceRecord } from './validate.ts';

export interface DisputeCandidate {
  readonly identity_id: string;
  readonly rule: string;
  readonly confidence: number;
  readonly status: string;
  readonly linked_key: string | null;
}

export interface Dispute {
  readonly id: string;
  readonly source: string;
  readonly sourceKey: string;
  readonly runId: string | null;
  readonly record: { line: number; values: Record<string, string> };
  readonly candidates: readonly DisputeCandidate[];
  readonly status: 'open' | 'resolved';
  readonly resolution: { choice: string; reason: string } | null;
  readonly resolvedBy: string | null;
  readonly createdAt: Date;
  readonly resolvedAt: Date | null;
}

const COLUMNS = 'id, source, source_key, run_id, record, candidates, status, resolution, resolved_by, created_at, resolved_at';

function fromRow(r: Record<string, any>): Dispute {
  return {
    id: r.id,
    source: r.source,
    sourceKey: r.source_key,
    runId: r.run_id,
    record: r.record,
    candidates: r.candidates,
    status: r.status,
    resolution: r.resolution,
    resolvedBy: r.resolved_by,
    createdAt: r.created_at,
    resolvedAt: r.resolved_at,
  };
}

/** Disputed correlation cases: records that matched several identities, or one with too little confidence. */
export class DisputeService {
  readonly #store: Store;
  readonly #deps: SingleDeps;
  readonly #registry: SourceRegistry;

  constructor(store: Store, deps: SingleDeps, registry: SourceRegistry) {
    this.#store = store;
    this.#deps = deps;
    this.#registry = registry;
  }

  async list(filter: { status?: 'open' | 'resolved'; limit?: number } = {}): Promise<Dispute[]> {
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    const rows = await this.#store.query(`SELECT ${COLUMNS} FROM disputes WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at, id LIMIT $2`, [filter.status ?? null, limit]);
    return rows.map(fromRow);
  }

  async get(id: string): Promise<Dispute> {
    checkUuid(id, 'id');
    const [row] = await this.#store.query(`SELECT ${COLUMNS} FROM disputes WHERE id = $1`, [id]);
    if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no disputed case ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
    return fromRow(row);
  }

  /** Links the disputed record to one of its candidates, or creates a new identity (`choice: 'new'`). Audited with the reason. */
  async resolve(id: string, choice: string, reason: string, actor: string, correlationId: string): Promise<SingleOutcome & { dispute: Dispute }> {
    checkUuid(id, 'id');
    if (!reason.trim()) throw new MusterError('MUSTER_ERR_VALIDATION', 'a reason is required to resolve a disputed case', [{ field: 'reason', message: 'required' }]);
    return this.#store.transaction(async (tx) => {
      const [row] = await tx.query(`SELECT ${COLUMNS} FROM disputes WHERE id = $1 FOR UPDATE`, [id]);
      if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no disputed case ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
      const dispute = fromRow(row);
      if (dispute.status !== 'open') throw new MusterError('MUSTER_ERR_DISPUTE_STATE', `disputed case ${id} is already ${dispute.status}`);
      const candidate = dispute.candidates.find((c) => c.identity_id === choice);
      if (choice !== 'new' && !candidate) {
        throw new MusterError('MUSTER_ERR_DISPUTE_STATE', `${choice} is not a candidate of case ${id}; choose one of ${dispute.candidates.map((c) => c.identity_id).join(', ')} or 'new'`, [
          { field: 'choice', value: choice, message: 'not a candidate' },
        ]);
      }
      const source = this.#registry.get(dispute.source);
      const record: SourceRecord = { key: dispute.sourceKey, line: dispute.record.line, values: dispute.record.values };
      if (candidate?.linked_key) await tx.query('DELETE FROM source_links WHERE source = $1 AND source_key = $2', [source.name, candidate.linked_key]);
      const forced = choice === 'new' ? ('new' as const) : { identityId: choice };
      const outcome = await applySingle(tx, this.#deps, source, { record, digest: recordDigest(record), forced }, actor, correlationId, `dispute ${id}`);
      const resolution = { choice, reason };
      const now = this.#deps.clock.now();
      await tx.query(`UPDATE disputes SET status = 'resolved', resolution = $2, resolved_by = $3, resolved_at = $4 WHERE id = $1`, [id, resolution, actor, now]);
      await this.#deps.audit.append(
        tx,
        [{ actor, action: 'dispute.resolved', target: id, reason, data: { choice, source: source.name, key: dispute.sourceKey, events: outcome.events } }],
        correlationId,
      );
      return { ...outcome, dispute: { ...dispute, status: 'resolved', resolution, resolvedBy: actor, resolvedAt: now } };
    });
  }
}

function checkUuid(value: string, field: string): void {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `${field} '${value}' is not a UUID`, [{ field, value, message: 'must be a UUID' }]);
  }
}

import type { AuditWriter } from '../../audit/writer.ts';
import { type Policy, type PolicyDocument, checkPolicy } from '../../core/access/policy.ts';
import type { Clock } from '../../core/clock.ts';
import { MusterError } from '../../core/errors.ts';
import type { Queryable, Row, Store, Tx } from '../../store/store.ts';
import { queueRecomputeAll } from './recompute-all.ts';

export interface PolicyVersion {
  readonly name: string;
  readonly version: number;
  readonly kind: string;
  readonly document: PolicyDocument;
  readonly enabled: boolean;
  readonly author: string;
  readonly reason: string;
  readonly createdAt: string;
}

export interface PolicyDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  /** Names of the configured targets, which a policy may name. */
  readonly targets: readonly string[];
}

function versionOf(row: Row): PolicyVersion {
  return {
    name: row.name as string,
    version: Number(row.version),
    kind: row.kind as string,
    document: row.document as PolicyDocument,
    enabled: Boolean(row.enabled),
    author: row.author as string,
    reason: row.reason as string,
    createdAt: (row.created_at as Date).toISOString(),
  };
}

const NEWEST = 'SELECT DISTINCT ON (name) * FROM policies ORDER BY name, version DESC';

/** The policies in force: the newest version of each name, when enabled. */
export async function activePolicies(db: Queryable): Promise<Policy[]> {
  const rows = await db.query(`SELECT name, version, document FROM (${NEWEST}) p WHERE enabled ORDER BY name`);
  return rows.map((r) => ({ name: r.name as string, version: Number(r.version), document: r.document as PolicyDocument }));
}

/** Versioned access policies: every save adds a version; saving or disabling recomputes everyone's access. */
export class PolicyService {
  readonly #d: PolicyDeps;

  constructor(deps: PolicyDeps) {
    this.#d = deps;
  }

  /** The newest version of every policy, enabled or not. */
  async list(): Promise<PolicyVersion[]> {
    return (await this.#d.store.query(`${NEWEST}`)).map(versionOf);
  }

  /** Every version of one policy, newest first. */
  async history(name: string): Promise<PolicyVersion[]> {
    const rows = await this.#d.store.query('SELECT * FROM policies WHERE name = $1 ORDER BY version DESC', [name]);
    if (rows.length === 0) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no policy '${name}'`, [{ field: 'name', value: name, message: 'no such policy' }]);
    return rows.map(versionOf);
  }

  /** Checks the document, stores it as the next version (enabled), audits it and queues a recompute of everyone. */
  async save(name: string, document: unknown, actor: string, reason: string): Promise<PolicyVersion> {
    const checked = checkPolicy(name, document, this.#d.targets);
    requireReason(reason);
    return this.#write(name, checked, true, actor, reason, 'policy.saved');
  }

  /** Adds a disabled version: the policy stops giving access (everyone is recomputed); its history stays. */
  async disable(name: string, actor: string, reason: string): Promise<PolicyVersion> {
    requireReason(reason);
    const [current] = await this.history(name);
    if (!current?.enabled) throw new MusterError('MUSTER_ERR_CONFLICT', `policy '${name}' is already disabled`, [{ field: 'name', value: name, message: 'disabled' }]);
    return this.#write(name, current.document, false, actor, reason, 'policy.disabled');
  }

  async #write(name: string, document: PolicyDocument, enabled: boolean, actor: string, reason: string, action: string): Promise<PolicyVersion> {
    const { store, audit, clock } = this.#d;
    const now = clock.now();
    return store.transaction(async (tx: Tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(7266004)');
      const [{ next }] = (await tx.query<{ next: number }>('SELECT COALESCE(MAX(version), 0) + 1 AS next FROM policies WHERE name = $1', [name])) as [{ next: number }];
      const [row] = await tx.query('INSERT INTO policies (name, version, kind, document, enabled, author, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *', [
        name,
        next,
        document.kind,
        document,
        enabled,
        actor,
        reason,
        now,
      ]);
      await audit.append(tx, [{ actor, action, target: `policy:${name}`, reason, data: { name, version: Number(next), enabled, document } }], `policy-${name}-${next}`);
      await queueRecomputeAll(tx, `policy:${name}:${next}`, now);
      return versionOf(row as Row);
    });
  }
}

function requireReason(reason: string): void {
  if (!reason.trim()) throw new MusterError('MUSTER_ERR_VALIDATION', 'a policy change needs a reason', [{ field: 'reason', message: 'required' }]);
}

import { sql } from 'kysely';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { type IdentityState, planIdentity } from '../core/identity/record.ts';
import type { IdentityStatus } from '../core/identity/status.ts';
import { ChangeSet } from '../mur/change-set.ts';
import { loadIdentities } from '../mur/identity-repository.ts';
import { lockDueRows } from '../queue/claim-repository.ts';
import type { Store, Tx } from '../store/store.ts';
import { LIFECYCLE_SOURCE, addLifecycleChange } from './change.ts';

export interface ExpiryDeps {
  readonly clock: Clock;
  readonly audit: AuditWriter;
}

export interface ExpiryOptions {
  /** Identities disabled per transaction. */
  readonly batchSize?: number;
}

export interface ExpiryResult {
  readonly disabled: number;
}

/**
 * Disables every non-person entity past its expiry date (valid through that day) that is still
 * active or on leave: status → suspended, so that the NPE registry can renew it with a new date
 * (suspended → active) while nothing can use it. Each gets its event, status history and audit
 * entry. Rows another transaction holds are skipped until the next sweep.
 */
export async function expireNonPersonEntities(store: Store, deps: ExpiryDeps, options: ExpiryOptions = {}): Promise<ExpiryResult> {
  const batchSize = options.batchSize ?? 500;
  const now = deps.clock.now();
  const correlationId = `npe-expiry-${now.toISOString()}`;
  let disabled = 0;
  for (;;) {
    const n = await store.transaction((tx) => expireBatch(tx, deps, now, correlationId, batchSize));
    disabled += n;
    if (n < batchSize) return { disabled };
  }
}

async function expireBatch(tx: Tx, deps: ExpiryDeps, now: Date, correlationId: string, limit: number): Promise<number> {
  const ids = await lockDueRows(tx, {
    table: 'identities',
    id: 'id',
    due: sql`c.kind <> 'person' AND c.status IN ('active', 'leave') AND c.expires_at + interval '1 day' <= ${now}`,
    order: sql`c.id`,
    limit,
  });
  if (ids.length === 0) return 0;
  const found = await loadIdentities(tx, ids);
  const changes = new ChangeSet();
  for (const npe of found.values()) disable(changes, npe, now);
  await changes.commit(tx, { now, correlationId, audit: deps.audit });
  return ids.length;
}

function disable(changes: ChangeSet, npe: IdentityState, now: Date): void {
  const key = npe.attributes.npe_id?.v ?? npe.id;
  const plan = planIdentity(npe, { kind: npe.kind, status: 'suspended', attributes: {} }, { source: LIFECYCLE_SOURCE, record: key, observedAt: now }, () => true, npe.id);
  const reason = `expired on ${npe.expiresAt}`;
  const payload = { source: LIFECYCLE_SOURCE, key, status: { from: npe.status, to: plan.next.status }, expires: npe.expiresAt, reason };
  const moves = statusMoves(npe.status, plan.statusPath);
  plan.events.forEach((type, i) => addLifecycleChange(changes, { next: plan.next, type, reason, payload, moves: i === 0 ? moves : [] }));
}

function statusMoves(from: IdentityStatus, path: readonly IdentityStatus[]): { from: IdentityStatus; to: IdentityStatus }[] {
  return path.map((to, i) => ({ from: i === 0 ? from : (path[i - 1] as IdentityStatus), to }));
}

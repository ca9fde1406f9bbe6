import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import { type IdentityState, planIdentity } from '../core/identity/record.ts';
import { type IdentityStatus, canMove } from '../core/identity/status.ts';
import { ChangeSet } from '../mur/change-set.ts';
import { type Hold, holdFromRow } from '../mur/holds.ts';
import { loadIdentities } from '../mur/identity-repository.ts';
import type { Queryable, Store, Tx } from '../store/store.ts';

export type { Hold };

/** The status history `source` of the moves a hold makes. */
export const HOLD_SOURCE = 'hold';

export interface HoldDeps {
  readonly clock: Clock;
  readonly audit: AuditWriter;
}

/**
 * Suspends an identity now through the normal change set (`identity.suspended`, whose urgent jobs
 * end its access) and records the hold. A second hold on a held identity is refused (409).
 */
export async function placeHold(store: Store, deps: HoldDeps, identityId: string, reason: string, actor: string): Promise<Hold> {
  const why = requireReason(reason);
  return store.transaction(async (tx) => {
    const identity = await lockIdentity(tx, identityId);
    const active = await activeHold(tx, identityId);
    if (active) {
      throw new MusterError('MUSTER_ERR_CONFLICT', `identity ${identityId} is already held (placed by ${active.placedBy} at ${active.placedAt})`, [
        { field: 'id', value: identityId, message: 'already held' },
      ]);
    }
    const now = deps.clock.now();
    const id = randomUUID();
    const changes = new ChangeSet();
    moveTo(changes, identity, 'suspended', actor, `hold ${id}: ${why}`, now);
    changes.insert('identity_holds', [{ id, identity_id: identityId, reason: why, placed_by: actor, placed_at: now, prior_status: identity.status }]);
    changes.audits.push({ actor, action: 'identity.hold_placed', target: identityId, reason: why, data: { hold_id: id, prior_status: identity.status } });
    await changes.commit(tx, { now, correlationId: `hold-${id}`, audit: deps.audit });
    return (await activeHold(tx, identityId)) as Hold;
  });
}

/**
 * Lifts the active hold of an identity; the releaser must be another actor than the one who placed
 * it (a refusal is audited). The identity returns to the status its source asked for meanwhile,
 * else to the one it had before the hold.
 */
export async function releaseHold(store: Store, deps: HoldDeps, identityId: string, reason: string, actor: string): Promise<Hold> {
  const why = requireReason(reason);
  const outcome = await store.transaction(async (tx) => {
    const identity = await lockIdentity(tx, identityId);
    const hold = await activeHold(tx, identityId);
    if (!hold) throw new MusterError('MUSTER_ERR_NOT_FOUND', `identity ${identityId} has no active hold`, [{ field: 'id', value: identityId, message: 'not held' }]);
    if (hold.placedBy === actor) return { refused: hold, released: null };
    const now = deps.clock.now();
    const changes = new ChangeSet();
    const target = releaseStatus(hold);
    if (identity.status === 'suspended' && target !== 'suspended') moveTo(changes, identity, target, actor, `hold ${hold.id} released: ${why}`, now);
    changes.audits.push({ actor, action: 'identity.hold_released', target: identityId, reason: why, data: { hold_id: hold.id, placed_by: hold.placedBy, status: target } });
    await changes.commit(tx, { now, correlationId: `hold-${hold.id}-release`, audit: deps.audit });
    await tx.db.updateTable('identity_holds').set({ released_by: actor, released_at: now, release_reason: why }).where('id', '=', hold.id).execute();
    return { refused: null, released: (await holdById(tx, hold.id)) as Hold };
  });
  if (outcome.released) return outcome.released;
  const refused = outcome.refused as Hold;
  await store.transaction((tx) =>
    deps.audit.append(
      tx,
      [{ actor, action: 'identity.hold_release_refused', target: identityId, reason: 'the actor who placed a hold may not release it', data: { hold_id: refused.id, placed_by: refused.placedBy } }],
      `hold-${refused.id}-refused`,
    ),
  );
  throw new MusterError('MUSTER_ERR_FORBIDDEN', `hold ${refused.id} on identity ${identityId} was placed by ${actor}; another actor must release it`, [
    { field: 'actor', value: actor, message: 'placed this hold' },
  ]);
}

/** Active holds, oldest first. */
export async function listActiveHolds(db: Queryable): Promise<Hold[]> {
  return (await db.db.selectFrom('identity_holds').selectAll().where('released_at', 'is', null).orderBy('placed_at').orderBy('id').execute()).map(holdFromRow);
}

/** Every hold of one identity, newest first. */
export async function holdsOf(db: Queryable, identityId: string): Promise<Hold[]> {
  return (await db.db.selectFrom('identity_holds').selectAll().where('identity_id', '=', identityId).orderBy('placed_at', 'desc').orderBy('id').execute()).map(holdFromRow);
}

/** What the source asked for meanwhile, else the status before the hold; from `suspended` only `active` and `inactive` are reachable (a source's `leave` waits for its next record). */
function releaseStatus(hold: Hold): IdentityStatus {
  const wanted = (hold.sourceStatus ?? hold.priorStatus) as IdentityStatus;
  return wanted === 'suspended' || canMove('suspended', wanted) ? wanted : 'active';
}

function moveTo(changes: ChangeSet, identity: IdentityState, status: IdentityStatus, actor: string, reason: string, now: Date): void {
  const plan = planIdentity(identity, { kind: identity.kind, status, attributes: {} }, { source: HOLD_SOURCE, record: identity.id, observedAt: now }, () => true, identity.id);
  if (plan.statusPath.length === 0) return;
  changes.updated.push(plan.next);
  const payload = { source: HOLD_SOURCE, status: { from: identity.status, to: plan.next.status }, reason };
  let from = identity.status;
  plan.events.forEach((type, i) => {
    const moves =
      i === 0
        ? plan.statusPath.map((to) => {
            const m = { from, to };
            from = to;
            return m;
          })
        : [];
    changes.events.push({ type, identityId: identity.id, payload, moves, reason, source: HOLD_SOURCE, audit: { actor, action: type, target: identity.id, reason, data: payload } });
  });
}

async function lockIdentity(tx: Tx, id: string): Promise<IdentityState> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `not an identity id: ${id}`, [{ field: 'id', value: id, message: 'must be a UUID' }]);
  }
  await tx.db.selectFrom('identities').select('id').where('id', '=', id).forUpdate().execute();
  const identity = (await loadIdentities(tx, [id])).get(id);
  if (!identity) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no identity with id ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
  return identity;
}

async function activeHold(db: Queryable, identityId: string): Promise<Hold | null> {
  const row = await db.db.selectFrom('identity_holds').selectAll().where('identity_id', '=', identityId).where('released_at', 'is', null).executeTakeFirst();
  return row ? holdFromRow(row) : null;
}

async function holdById(db: Queryable, id: string): Promise<Hold | null> {
  const row = await db.db.selectFrom('identity_holds').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? holdFromRow(row) : null;
}

function requireReason(reason: string | undefined): string {
  const why = (reason ?? '').trim();
  if (why === '') throw new MusterError('MUSTER_ERR_VALIDATION', 'a hold needs a reason', [{ field: 'reason', message: 'required' }]);
  return why.slice(0, 1000);
}

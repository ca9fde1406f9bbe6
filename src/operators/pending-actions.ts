import { randomUUID } from 'node:crypto';
import type { AuditDraft } from '../audit/chain.ts';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import { secondPersonRefusal } from '../core/operators/separation.ts';
import type { Store } from '../store/store.ts';
import type { OperatorPrincipal } from './principal.ts';
import { decidePendingAction, expirePendingActions, insertPendingAction, listPendingActions, type PendingAction, pendingActionById, type PendingStatus } from './pending-action-repository.ts';

export type { PendingAction, PendingStatus } from './pending-action-repository.ts';

/** The actor that marks actions expired. */
export const PENDING_ACTIONS_ACTOR = 'muster:pending-actions';
/** The scheduler task that marks expired actions. */
export const PENDING_EXPIRY_TASK = 'pending-actions.expire';

/** An operator proposing or deciding, through one of its tokens, under a correlation id. */
export interface Decider extends OperatorPrincipal {
  readonly correlationId: string;
}

/** One kind of two-person action: the role its confirmer needs, and what runs once confirmed. */
export interface PendingKind {
  readonly role: string;
  /** Confirmed only from the command line on muster's host (what it runs touches local files or keys). */
  readonly localOnly?: boolean;
  /** Does the change, as the confirming operator; returns what to keep as the action's result. */
  readonly run: (action: PendingAction, by: Decider) => Promise<Record<string, unknown>>;
}

export interface Proposal {
  readonly kind: string;
  readonly target: string;
  readonly summary: string;
  readonly payload: Record<string, unknown>;
  readonly reason: string;
}

export interface PendingActionDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  /** admin.pendingActions.expiryHours */
  readonly expiryHours: number;
  readonly kinds: ReadonlyMap<string, PendingKind>;
}

const HOUR_MS = 3_600_000;

/**
 * Two-person rules: an operator proposes an action, it waits (visible to all who may confirm it) and runs only when
 * a different operator holding the kind's role confirms it before it expires. Every step is audited; a confirmation
 * by the proposer is refused (403 MUSTER_ERR_SEPARATION_OF_DUTIES) and audited.
 */
export class PendingActions {
  readonly #d: PendingActionDeps;

  constructor(deps: PendingActionDeps) {
    this.#d = deps;
  }

  async propose(proposal: Proposal, by: Decider): Promise<PendingAction> {
    const kind = this.#kind(proposal.kind);
    if (!proposal.reason?.trim()) throw new MusterError('MUSTER_ERR_VALIDATION', 'a proposal needs a reason', [{ field: 'reason', message: 'required' }]);
    const now = this.#d.clock.now();
    const action: PendingAction = {
      id: randomUUID(),
      ...proposal,
      reason: proposal.reason.trim(),
      requiredRole: kind.role,
      status: 'pending',
      proposedBy: by.actor,
      proposedAt: now,
      expiresAt: new Date(now.getTime() + this.#d.expiryHours * HOUR_MS),
      decidedBy: null,
      decidedAt: null,
      decisionReason: null,
      result: null,
    };
    await this.#d.store.transaction(async (tx) => {
      await insertPendingAction(tx, action);
      await this.#d.audit.append(tx, [this.#entry(action, by, 'pending_action.proposed', action.reason, { payload: action.payload })], by.correlationId);
    });
    return action;
  }

  list(status?: PendingStatus): Promise<PendingAction[]> {
    return listPendingActions(this.#d.store, status);
  }

  async get(id: string): Promise<PendingAction> {
    const action = await pendingActionById(this.#d.store, id);
    if (!action) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no pending action ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
    return action;
  }

  /**
   * Confirms and runs the action; refused to its proposer, to a token without the role, once it is not pending, and
   * — for a kind confirmed on muster's host only — unless `local`.
   */
  async confirm(id: string, by: Decider, reason = 'confirmed', local = false): Promise<PendingAction> {
    const kind = this.#kind((await this.get(id)).kind);
    if (kind.localOnly && !local) {
      throw new MusterError('MUSTER_ERR_FORBIDDEN', `pending action ${id} is confirmed on muster's host only: muster pending confirm ${id}`, [
        { field: 'id', value: id, message: 'command line only' },
      ]);
    }
    const action = await this.#decide(id, by, 'confirmed', reason);
    try {
      const result = await kind.run(action, by);
      return await this.#settle(action, by, 'confirmed', reason, result);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.#settle(action, by, 'failed', reason, { error: message, ...(error instanceof MusterError ? { code: error.code } : {}) });
      throw error;
    }
  }

  /** Rejects the action: it never runs. Refused to a token without the role; the proposer may withdraw its own. */
  async reject(id: string, by: Decider, reason: string): Promise<PendingAction> {
    if (!reason?.trim()) throw new MusterError('MUSTER_ERR_VALIDATION', 'a rejection needs a reason', [{ field: 'reason', message: 'required' }]);
    await this.#decide(id, by, 'rejected', reason);
    return this.get(id);
  }

  /** Marks every action whose time is up as expired (the scheduler's task), one audit entry each. */
  async expireDue(): Promise<number> {
    const now = this.#d.clock.now();
    return this.#d.store.transaction(async (tx) => {
      const expired = await expirePendingActions(tx, now, PENDING_ACTIONS_ACTOR);
      const drafts = expired.map((a) => this.#entry(a, { actor: PENDING_ACTIONS_ACTOR }, 'pending_action.expired', `not confirmed by ${a.expiresAt.toISOString()}`, {}));
      if (drafts.length > 0) await this.#d.audit.append(tx, drafts, `pending-expiry-${now.toISOString()}`);
      return expired.length;
    });
  }

  /** Locks the action and records the decision, or refuses (audited) what may not decide it now. */
  async #decide(id: string, by: Decider, status: 'confirmed' | 'rejected', reason: string): Promise<PendingAction> {
    const now = this.#d.clock.now();
    const outcome = await this.#d.store.transaction(async (tx) => {
      const action = await pendingActionById(tx, id, true);
      if (!action) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no pending action ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
      if (action.status === 'pending' && action.expiresAt.getTime() <= now.getTime()) {
        await decidePendingAction(tx, id, { status: 'expired', by: PENDING_ACTIONS_ACTOR, at: now, reason: 'not confirmed in time' });
        return { action: { ...action, status: 'expired' as const }, refusal: notPending({ ...action, status: 'expired' }) };
      }
      if (action.status !== 'pending') return { action, refusal: notPending(action) };
      if (!by.roles.includes(action.requiredRole)) {
        return {
          action,
          refusal: new MusterError('MUSTER_ERR_FORBIDDEN', `pending action ${id} needs a token with the role ${action.requiredRole}`, [
            { field: 'roles', value: by.roles.join(','), message: `needs ${action.requiredRole}` },
          ]),
        };
      }
      const second = status === 'confirmed' ? secondPersonRefusal(action.proposedBy, by.actor, `pending action ${id} (${action.kind})`) : null;
      if (second) return { action, refusal: new MusterError('MUSTER_ERR_SEPARATION_OF_DUTIES', second.message, [{ field: second.rule, message: second.message }]) };
      await decidePendingAction(tx, id, { status, by: by.actor, at: now, reason });
      await this.#d.audit.append(tx, [this.#entry(action, by, `pending_action.${status}`, reason, {})], by.correlationId);
      return { action, refusal: null };
    });
    if (!outcome.refusal) return outcome.action;
    const entry = this.#entry(outcome.action, by, 'pending_action.refused', outcome.refusal.message, { code: outcome.refusal.code, requested: status });
    await this.#d.store.transaction((tx) => this.#d.audit.append(tx, [entry], by.correlationId));
    throw outcome.refusal;
  }

  async #settle(action: PendingAction, by: Decider, status: 'confirmed' | 'failed', reason: string, result: Record<string, unknown>): Promise<PendingAction> {
    const now = this.#d.clock.now();
    await this.#d.store.transaction(async (tx) => {
      await decidePendingAction(tx, action.id, { status, by: by.actor, at: now, reason, result });
      if (status === 'failed') await this.#d.audit.append(tx, [this.#entry(action, by, 'pending_action.failed', String(result.error), { result })], by.correlationId);
    });
    return this.get(action.id);
  }

  #kind(name: string): PendingKind {
    const kind = this.#d.kinds.get(name);
    if (!kind) throw new MusterError('MUSTER_ERR_INTERNAL', `no two-person action of kind ${name} is registered`);
    return kind;
  }

  #entry(action: PendingAction, by: { actor: string; tokenId?: string }, what: string, reason: string, extra: Record<string, unknown>): AuditDraft {
    const data = { pending_action_id: action.id, kind: action.kind, required_role: action.requiredRole, proposed_by: action.proposedBy, summary: action.summary, ...extra };
    return { actor: by.actor, action: what, target: action.target, reason, data: by.tokenId ? { ...data, token_id: by.tokenId } : data };
  }
}

function notPending(action: PendingAction): MusterError {
  return new MusterError('MUSTER_ERR_PENDING_ACTION', `pending action ${action.id} is ${action.status}; only a pending action can be decided`, [
    { field: 'status', value: action.status, message: 'not pending' },
  ]);
}

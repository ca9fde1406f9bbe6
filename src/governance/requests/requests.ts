import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../../audit/writer.ts';
import type { MusterConfig } from '../../config/schema.ts';
import type { Clock } from '../../core/clock.ts';
import { MusterError } from '../../core/errors.ts';
import type { Store, Tx } from '../../store/store.ts';
import { type CatalogueItem, offeredItem } from '../catalogue/index.ts';
import { approvalsNeeded, approversOf, managerOf, usableApprovers } from './approvers.ts';
import { type Acting, grantRequest } from './grant-writes.ts';
import { type RequestRow, approvalsOf, findRequest, inboxOf, insertApproval, insertRequest, liveRequestFor, lockRequest, personOf, requestsOf, updateRequest } from './request-repository.ts';
import { type AccessRequest, type Chain, chainOf, viewOf } from './request-view.ts';

export interface RequestDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  readonly config: MusterConfig;
}

/** Who asks or decides: an identity of the MUR acting through an operator token (`operator:<id>`). */
export interface Requester {
  readonly identityId: string;
  readonly actor: string;
  readonly correlationId: string;
}

export interface NewRequest {
  readonly item: string;
  /** Default: the requester. Otherwise a direct report of the requester (the MUR's manager attribute). */
  readonly beneficiaryId?: string | undefined;
  readonly justification: string;
  readonly endsAt: Date;
}

export type Decision = 'approve' | 'deny';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const LIST_LIMIT = 500;

const refuse = (field: string, message: string, value?: string) =>
  new MusterError('MUSTER_ERR_ACCESS_REQUEST', `access request refused: ${message}`, [{ field, message, ...(value === undefined ? {} : { value }) }]);

/**
 * Access requests from the catalogue: made for oneself or by a manager for a direct report, with a justification and
 * an end date within the item's maximum; decided step by step by the named manager and owners (never by the requester
 * or the beneficiary); granted access is given by the lifecycle's recompute (docs/governance.md).
 */
export class RequestService {
  readonly #d: RequestDeps;

  constructor(deps: RequestDeps) {
    this.#d = deps;
  }

  get #timeoutMs(): number {
    return this.#d.config.governance.requests.approvalTimeoutHours * HOUR_MS;
  }

  async request(input: NewRequest, by: Requester): Promise<AccessRequest> {
    const { store, clock } = this.#d;
    const now = clock.now();
    const item = await offeredItem(store, input.item);
    const beneficiaryId = input.beneficiaryId ?? by.identityId;
    if (!input.justification.trim()) throw refuse('justification', 'a justification is required');
    checkEnd(input.endsAt, now, item);
    const beneficiary = await personOf(store, beneficiaryId);
    if (!beneficiary) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no identity ${beneficiaryId}`, [{ field: 'beneficiaryId', value: beneficiaryId, message: 'no such identity' }]);
    if (beneficiary.status !== 'active') throw refuse('beneficiaryId', `the beneficiary is ${beneficiary.status}, not active`, beneficiaryId);
    if (beneficiaryId !== by.identityId && (await managerOf(store, beneficiaryId)) !== by.identityId) {
      await this.#auditRefusal(by, beneficiaryId, 'access.request-refused', 'a request is for oneself or for a direct report', { item: item.name });
      throw new MusterError('MUSTER_ERR_FORBIDDEN', 'a request is for oneself or for a direct report (the manager the MUR names)', [
        { field: 'beneficiaryId', value: beneficiaryId, message: 'rule: for oneself or a direct report' },
      ]);
    }
    const id = randomUUID();
    const acting: Acting = { actor: by.actor, now, correlationId: by.correlationId, audit: this.#d.audit };
    await store.transaction(async (tx) => {
      const live = await liveRequestFor(tx, item.name, beneficiaryId, now);
      if (live) throw new MusterError('MUSTER_ERR_CONFLICT', `request ${live.id} for ${item.name} is already ${live.status}`, [{ field: 'item', value: item.name, message: `already ${live.status}` }]);
      const row = await this.#newRow(tx, id, item, beneficiaryId, input, by, now);
      await insertRequest(tx, row);
      await this.#d.audit.append(
        tx,
        [
          {
            actor: by.actor,
            action: 'access.requested',
            target: beneficiaryId,
            reason: `${item.name} until ${input.endsAt.toISOString()}: ${input.justification}`,
            data: { request_id: id, item: item.name, item_version: item.version, approvers: row.approvers, steps: row.chain.steps },
          },
        ],
        by.correlationId,
      );
      if (row.status === 'granted') await grantRequest(tx, (await lockRequest(tx, id)) as RequestRow, 'approved automatically (low risk)', acting);
    });
    return this.get(id);
  }

  async #newRow(tx: Tx, id: string, item: CatalogueItem, beneficiaryId: string, input: NewRequest, by: Requester, now: Date) {
    const doc = item.document;
    const chain: Chain = { steps: doc.approvals, owners: doc.owners };
    const auto = doc.approvals[0] === 'auto';
    const first = doc.approvals[0];
    const named = auto || !first ? [] : await approversOf(tx, first, beneficiaryId, doc.owners);
    if (!auto && named.length === 0) throw refuse('beneficiaryId', 'the beneficiary has no active manager in the MUR to approve', beneficiaryId);
    const { approvers, escalatedTo } = await usableApprovers(tx, named, by.identityId, beneficiaryId);
    return {
      id,
      item: item.name,
      item_version: item.version,
      kind: doc.kind,
      beneficiary_id: beneficiaryId,
      requester_id: by.identityId,
      requested_by: by.actor,
      justification: input.justification,
      ends_at: input.endsAt,
      status: auto ? 'granted' : 'pending',
      chain,
      step: 0,
      approvers,
      step_due_at: auto ? null : new Date(now.getTime() + this.#timeoutMs),
      escalated_to: escalatedTo,
      target: doc.kind === 'group' ? doc.target : null,
      entitlement: doc.kind === 'group' ? doc.group : doc.kind === 'rp' ? doc.agreement : null,
      role: doc.kind === 'role' ? doc.role : null,
      privileged: doc.privileged,
      jit: doc.activation === 'jit',
      active_until: null,
      created_at: now,
      decided_at: null,
      ended_at: null,
      end_reason: null,
    };
  }

  /** Approves or denies the step waiting on a decision; the last approval grants the request. */
  async decide(id: string, decision: Decision, reason: string, by: Requester): Promise<AccessRequest> {
    if (!reason.trim()) throw refuse('reason', 'a decision needs a reason');
    const now = this.#d.clock.now();
    const refusal = await this.#d.store.transaction(async (tx) => {
      const row = await lockRequest(tx, id);
      if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no access request ${id}`, [{ field: 'id', value: id, message: 'no such request' }]);
      if (row.status !== 'pending' && row.status !== 'reapproval')
        throw new MusterError('MUSTER_ERR_CONFLICT', `access request ${id} is ${row.status}, not waiting on a decision`, [{ field: 'id', value: id, message: row.status }]);
      const rule = refusedRule(row, by.identityId);
      if (rule) return { row, rule };
      const step = row.status === 'reapproval' ? 'owner' : (chainOf(row).steps[row.step] ?? 'owner');
      const earlier = (await approvalsOf(tx, id)).filter((a) => a.step === row.step && a.decision === 'approve');
      if (earlier.some((a) => a.approver_id === by.identityId))
        throw new MusterError('MUSTER_ERR_CONFLICT', 'you already approved this step', [{ field: 'id', value: id, message: 'already approved' }]);
      await insertApproval(tx, { id: randomUUID(), request_id: id, step: row.step, approver_id: by.identityId, decision, reason, decided_at: now });
      const acting: Acting = { actor: by.actor, now, correlationId: by.correlationId, audit: this.#d.audit };
      const record = (action: string, why: string) =>
        this.#d.audit.append(
          tx,
          [{ actor: by.actor, action, target: row.beneficiary_id, reason: `${row.item}: ${why}`, data: { request_id: id, item: row.item, step: row.step, step_name: step, decision } }],
          by.correlationId,
        );
      if (decision === 'deny') {
        await updateRequest(tx, id, {
          status: row.status === 'reapproval' ? 'ended' : 'denied',
          decided_at: now,
          ended_at: row.status === 'reapproval' ? now : null,
          end_reason: row.status === 'reapproval' ? `not re-approved: ${reason}` : null,
          approvers: [],
          step_due_at: null,
        });
        await record('access.denied', reason);
        return undefined;
      }
      await record('access.approved', reason);
      if (earlier.length + 1 < approvalsNeeded(step)) return undefined;
      await this.#advance(tx, row, acting, reason);
      return undefined;
    });
    if (refusal) await this.#refuseDecision(refusal.row, refusal.rule, by);
    return this.get(id);
  }

  async #advance(tx: Tx, row: RequestRow, acting: Acting, reason: string): Promise<void> {
    const chain = chainOf(row);
    const next = row.step + 1;
    const nextStep = chain.steps[next];
    if (row.status === 'reapproval' || nextStep === undefined) {
      await grantRequest(tx, row, row.status === 'reapproval' ? `re-approved after a move: ${reason}` : `approved: ${reason}`, acting);
      return;
    }
    const named = await approversOf(tx, nextStep, row.beneficiary_id, chain.owners);
    const { approvers, escalatedTo } = await usableApprovers(tx, named, row.requester_id, row.beneficiary_id);
    await updateRequest(tx, row.id, { step: next, approvers, step_due_at: new Date(acting.now.getTime() + this.#timeoutMs), escalated_to: escalatedTo });
  }

  /** Audits a refused decision (in its own transaction: the refusal itself writes nothing else) and throws the 403. */
  async #refuseDecision(row: RequestRow, rule: string, by: Requester): Promise<never> {
    await this.#auditRefusal(by, row.beneficiary_id, 'access.decision-refused', rule, { request_id: row.id, item: row.item });
    if (rule === NOT_APPROVER) throw new MusterError('MUSTER_ERR_FORBIDDEN', `you are not an approver of this step of request ${row.id}`, [{ field: 'id', value: row.id, message: `rule: ${rule}` }]);
    throw new MusterError('MUSTER_ERR_SEPARATION_OF_DUTIES', `${rule}`, [{ field: 'approver', value: by.identityId, message: `rule: ${rule}` }]);
  }

  async #auditRefusal(by: Requester, target: string, action: string, rule: string, data: Record<string, unknown>): Promise<void> {
    await this.#d.store.transaction((tx) => this.#d.audit.append(tx, [{ actor: by.actor, action, target, reason: rule, data: { ...data, rule } }], by.correlationId));
  }

  async get(id: string): Promise<AccessRequest> {
    const row = await findRequest(this.#d.store, id);
    if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no access request ${id}`, [{ field: 'id', value: id, message: 'no such request' }]);
    return viewOf(row);
  }

  /** Requests waiting on a decision this identity may give. */
  async inbox(approverId: string): Promise<AccessRequest[]> {
    return (await inboxOf(this.#d.store, approverId, LIST_LIMIT)).map(viewOf);
  }

  /** Requests this identity made or benefits from, newest first. */
  async mine(identityId: string): Promise<AccessRequest[]> {
    return (await requestsOf(this.#d.store, identityId, LIST_LIMIT)).map(viewOf);
  }
}

export const NOT_APPROVER = 'only an approver the request names may decide this step';
export const APPROVER_IS_REQUESTER = 'the approver is never the requester';
export const APPROVER_IS_BENEFICIARY = 'the approver is never the beneficiary';

/** Why this identity may not decide the request's step, or undefined. */
function refusedRule(row: RequestRow, approverId: string): string | undefined {
  if (approverId === row.beneficiary_id) return APPROVER_IS_BENEFICIARY;
  if (approverId === row.requester_id) return APPROVER_IS_REQUESTER;
  if (!(row.approvers as string[]).includes(approverId)) return NOT_APPROVER;
  return undefined;
}

function checkEnd(endsAt: Date, now: Date, item: CatalogueItem): void {
  if (Number.isNaN(endsAt.getTime())) throw refuse('endsAt', 'not a date');
  if (endsAt <= now) throw refuse('endsAt', 'the end date must lie ahead', endsAt.toISOString());
  const latest = new Date(now.getTime() + item.document.maxDays * DAY_MS);
  if (endsAt > latest) throw refuse('endsAt', `at most ${item.document.maxDays} days for ${item.name} (until ${latest.toISOString()})`, endsAt.toISOString());
}

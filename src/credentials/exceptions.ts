import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import type { JobHandler } from './job-types.ts';
import { ChangeSet } from '../mur/change-set.ts';
import type { Store, Tx } from '../store/store.ts';
import type { Actor } from './card-service.ts';
import { lockCredential } from './credential-repository.ts';
import { closeException, insertException, listExceptions, type ExceptionRow } from './exception-repository.ts';
import { applyTransition } from './transition.ts';
import { CREDENTIALS_ACTOR } from './types.ts';

export const EXCEPTION_EXPIRE_JOB = 'credentials.exception-expire';
const DAY_MS = 86_400_000;

export interface ExceptionRequest {
  readonly identityId: string;
  /** e.g. 'temporary-credential', 'card-replacement', 'policy'. */
  readonly kind: string;
  /** A temporary credential the exception covers: terminated when the exception ends. */
  readonly credentialId?: string;
  readonly reason: string;
  readonly compensatingControl: string;
  readonly requestedBy: string;
  readonly approvedBy: string;
  readonly expiresAt: Date;
}

export interface CredentialException extends ExceptionRequest {
  readonly id: string;
  readonly approvedAt: Date;
  readonly status: 'active' | 'expired' | 'ended';
  readonly endedAt: Date | null;
}

export interface ExceptionDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly maxDays: number;
}

function refuse(field: string, message: string): MusterError {
  return new MusterError('MUSTER_ERR_EXCEPTION', `exception refused: ${message}`, [{ field, message }]);
}

function check(request: ExceptionRequest, now: Date, maxDays: number): void {
  for (const field of ['kind', 'reason', 'compensatingControl', 'requestedBy', 'approvedBy'] as const) {
    if (typeof request[field] !== 'string' || request[field].trim().length === 0) throw refuse(field, `${field} is required`);
  }
  if (request.approvedBy === request.requestedBy) throw refuse('approvedBy', 'the approver must be another person than the requester');
  const expiry = request.expiresAt instanceof Date ? request.expiresAt.getTime() : Number.NaN;
  if (!(expiry > now.getTime())) throw refuse('expiresAt', 'the expiry must be a date in the future');
  if (expiry > now.getTime() + maxDays * DAY_MS) throw refuse('expiresAt', `an exception lasts at most ${maxDays} days`);
}

/**
 * Documented exceptions to credential policy (a temporary credential while a card is replaced, …): who asked, who
 * approved, why, the compensating control, and an expiry no further than the configured maximum. Each ends by itself
 * at its expiry (a scheduled job), and the temporary credential it covers is terminated with it: an exception never
 * becomes the default.
 */
export class ExceptionService {
  readonly #deps: ExceptionDeps;

  constructor(deps: ExceptionDeps) {
    this.#deps = deps;
  }

  async grant(request: ExceptionRequest, by: Actor): Promise<CredentialException> {
    const now = this.#deps.clock.now();
    check(request, now, this.#deps.maxDays);
    return this.#deps.store.transaction(async (tx) => {
      if (request.credentialId) {
        const credential = await lockCredential(tx, request.credentialId);
        if (!credential || credential.identity_id !== request.identityId) throw refuse('credentialId', "the credential is not the identity's");
      }
      const granted: CredentialException = { ...request, id: randomUUID(), approvedAt: now, status: 'active', endedAt: null };
      await insertException(tx, {
        id: granted.id,
        identity_id: request.identityId,
        credential_id: request.credentialId ?? null,
        kind: request.kind,
        reason: request.reason,
        compensating_control: request.compensatingControl,
        requested_by: request.requestedBy,
        approved_by: request.approvedBy,
        approved_at: now,
        expires_at: request.expiresAt,
      });
      const changes = new ChangeSet();
      const payload = exceptionPayload(granted);
      changes.events.push({
        type: 'exception.granted',
        identityId: request.identityId,
        payload,
        audit: {
          actor: by.actor,
          action: 'exception.granted',
          target: request.identityId,
          reason: `${request.kind} approved by ${request.approvedBy} until ${request.expiresAt.toISOString()}: ${request.reason}`,
          data: payload,
        },
      });
      changes.scheduled.push({
        kind: EXCEPTION_EXPIRE_JOB,
        key: `${EXCEPTION_EXPIRE_JOB}:${granted.id}`,
        payload: { exceptionId: granted.id, identityId: request.identityId },
        runAfter: request.expiresAt,
      });
      await changes.commit(tx, { now, correlationId: by.correlationId, audit: this.#deps.audit });
      return granted;
    });
  }

  /** Ends an exception before its expiry (e.g. the new card arrived). */
  async end(id: string, reason: string, by: Actor): Promise<void> {
    if (!reason) throw refuse('reason', 'a reason is required');
    const now = this.#deps.clock.now();
    await this.#deps.store.transaction(async (tx) => {
      const changes = await endException(tx, id, 'ended', `${by.actor}: ${reason}`, by.actor, now);
      if (!changes) throw new MusterError('MUSTER_ERR_CREDENTIAL_STATE', `exception ${id} is not active`, [{ field: 'id', value: id, message: 'not active' }]);
      await changes.commit(tx, { now, correlationId: by.correlationId, audit: this.#deps.audit });
    });
  }

  async list(identityId?: string): Promise<CredentialException[]> {
    const rows = await listExceptions(this.#deps.store, identityId);
    return rows.map(fromRow);
  }
}

function fromRow(r: ExceptionRow): CredentialException {
  return {
    id: r.id,
    identityId: r.identity_id,
    kind: r.kind,
    reason: r.reason,
    compensatingControl: r.compensating_control,
    requestedBy: r.requested_by,
    approvedBy: r.approved_by,
    approvedAt: new Date(r.approved_at),
    expiresAt: new Date(r.expires_at),
    status: r.status,
    endedAt: r.ended_at ? new Date(r.ended_at) : null,
    ...(r.credential_id ? { credentialId: r.credential_id } : {}),
  };
}

function exceptionPayload(e: CredentialException): Record<string, unknown> {
  return {
    exception_id: e.id,
    kind: e.kind,
    credential_id: e.credentialId ?? null,
    reason: e.reason,
    compensating_control: e.compensatingControl,
    requested_by: e.requestedBy,
    approved_by: e.approvedBy,
    approved_at: e.approvedAt.toISOString(),
    expires_at: e.expiresAt.toISOString(),
    status: e.status,
  };
}

async function endException(tx: Tx, id: string, status: 'expired' | 'ended', why: string, actor: string, now: Date): Promise<ChangeSet | null> {
  const row = await closeException(tx, id, status, now);
  if (!row) return null;
  const ended = fromRow(row);
  let changes = new ChangeSet();
  if (ended.credentialId) {
    const credential = await lockCredential(tx, ended.credentialId);
    if (credential && credential.status !== 'terminated') {
      changes = await applyTransition(tx, {
        operation: 'terminate',
        credentials: [credential],
        actor,
        why: `exception ${id} ${status}: its temporary credential ends with it`,
        revocationReason: 'cessationOfOperation',
        now,
      });
    }
  }
  const payload = exceptionPayload(ended);
  changes.events.push({ type: 'exception.ended', identityId: ended.identityId, payload, audit: { actor, action: `exception.${status}`, target: ended.identityId, reason: why, data: payload } });
  return changes;
}

/** `credentials.exception-expire`, scheduled at the expiry: the exception ends by itself with its temporary credential. */
export const handleExceptionExpire: JobHandler = async (job, tx, ctx) => {
  const id = job.payload.exceptionId;
  if (typeof id !== 'string') throw new MusterError('MUSTER_ERR_VALIDATION', `job ${job.id} (${job.kind}) has no exceptionId`);
  const changes = await endException(tx, id, 'expired', 'the exception reached its expiry', CREDENTIALS_ACTOR, ctx.now);
  if (changes) await changes.commit(tx, ctx);
};

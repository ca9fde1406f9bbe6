import { randomUUID } from 'node:crypto';
import type { HeldEntitlement } from '../../core/access/policy.ts';
import { checkSeparationOfDuties as checkHeld } from '../../core/access/sod.ts';
import { MusterError } from '../../core/errors.ts';
import type { Queryable } from '../../store/store.ts';
import { holdingsOf, identityStatus, insertException, separationPolicies, standingExceptions } from './sod-repository.ts';
import type { SodDeps } from './violations.ts';

/** The longest an exception may stand. */
export const MAX_EXCEPTION_DAYS = 365;
const DAY_MS = 86_400_000;

export interface ExceptionRequest {
  readonly identityId: string;
  readonly policy: string;
  /** The approver: the operator granting it (`operator:<identity-id>`) or the command line's actor. */
  readonly approver: string;
  readonly compensatingControl: string;
  readonly reason: string;
  readonly days: number;
  readonly correlationId: string;
}

export interface SodException {
  readonly id: string;
  readonly identityId: string;
  readonly policy: string;
  readonly approver: string;
  readonly compensatingControl: string;
  readonly expiresAt: string;
}

function refuse(field: string, message: string): never {
  throw new MusterError('MUSTER_ERR_VALIDATION', `${field}: ${message}`, [{ field, message }]);
}

/**
 * Mitigates a separation-of-duties conflict of one identity for a bounded time: an approver who is not the holder,
 * a compensating control, a reason. A holder approving their own exception is refused (403) and audited.
 */
export async function grantException(deps: SodDeps, request: ExceptionRequest): Promise<SodException> {
  const { store, audit, clock } = deps;
  if (!request.compensatingControl.trim()) refuse('compensatingControl', 'name the control in force meanwhile');
  if (!request.reason.trim()) refuse('reason', 'required');
  if (!Number.isInteger(request.days) || request.days < 1 || request.days > MAX_EXCEPTION_DAYS) refuse('days', `1 to ${MAX_EXCEPTION_DAYS} days`);
  const now = clock.now();
  if (request.approver === `operator:${request.identityId}`) {
    await store.transaction((tx) =>
      audit.append(
        tx,
        [{ actor: request.approver, action: 'sod.exception_refused', target: request.identityId, reason: 'the holder may not approve their own exception', data: { policy: request.policy } }],
        request.correlationId,
      ),
    );
    throw new MusterError('MUSTER_ERR_FORBIDDEN', 'the holder may not approve their own separation-of-duties exception', [{ field: 'approver', message: 'the holder' }]);
  }
  return store.transaction(async (tx) => {
    if (!(await identityStatus(tx, request.identityId)))
      throw new MusterError('MUSTER_ERR_NOT_FOUND', `no identity ${request.identityId}`, [{ field: 'identityId', value: request.identityId, message: 'not found' }]);
    if (!(await separationPolicies(tx)).some((p) => p.name === request.policy))
      throw new MusterError('MUSTER_ERR_NOT_FOUND', `no separation-of-duties policy '${request.policy}' in force`, [{ field: 'policy', value: request.policy, message: 'not found' }]);
    const e = {
      id: randomUUID(),
      identityId: request.identityId,
      policy: request.policy,
      approver: request.approver,
      control: request.compensatingControl.trim(),
      reason: request.reason.trim(),
      grantedAt: now,
      expiresAt: new Date(now.getTime() + request.days * DAY_MS),
    };
    await insertException(tx, e);
    await audit.append(
      tx,
      [
        {
          actor: request.approver,
          action: 'sod.exception_granted',
          target: request.identityId,
          reason: e.reason,
          data: { exception_id: e.id, policy: e.policy, compensating_control: e.control, expires_at: e.expiresAt.toISOString() },
        },
      ],
      request.correlationId,
    );
    return { id: e.id, identityId: e.identityId, policy: e.policy, approver: e.approver, compensatingControl: e.control, expiresAt: e.expiresAt.toISOString() };
  });
}

/**
 * Separation of duties before an access request is granted: throws MUSTER_ERR_SOD naming the policy and both sides
 * when giving `requested` to the identity would make a conflict no standing exception mitigates.
 */
export async function checkSeparationOfDuties(db: Queryable, identityId: string, requested: readonly HeldEntitlement[], now: Date): Promise<void> {
  const rules = await separationPolicies(db);
  if (rules.length === 0) return;
  const held = (await holdingsOf(db, rules, identityId)).get(identityId) ?? [];
  const excepted = new Set((await standingExceptions(db, now, identityId)).map((e) => e.policy));
  checkHeld(held, requested, rules, excepted);
}

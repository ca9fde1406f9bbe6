import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../../audit/writer.ts';
import { ChangeSet } from '../../mur/change-set.ts';
import type { Queryable, Tx } from '../../store/store.ts';
import { type RequestPatch, type RequestRow, updateRequest } from './request-repository.ts';
import { checkSeparationOfDuties } from './separation-of-duties.ts';
import { heldItems } from './activation-repository.ts';

/** Who acts, and under which request (correlation id) the change is written. */
export interface Acting {
  readonly actor: string;
  readonly now: Date;
  readonly correlationId: string;
  readonly audit: AuditWriter;
  readonly causeEventId?: number | null;
}

export const requestReason = (id: string) => `request:${id}`;

function payloadOf(row: RequestRow, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { request_id: row.id, item: row.item, item_version: row.item_version, kind: row.kind, target: row.target, entitlement: row.entitlement, role: row.role, privileged: row.privileged, ...extra };
}

/**
 * Makes a request a grant: the separation-of-duties check first, then the row, an operator role for a role item,
 * and the `access.granted` event whose recompute gives the access in its targets.
 */
export async function grantRequest(tx: Tx, row: RequestRow, why: string, by: Acting): Promise<void> {
  await checkSeparationOfDuties(
    tx,
    {
      requestId: row.id,
      beneficiaryId: row.beneficiary_id,
      item: row.item,
      kind: row.kind,
      target: row.target,
      entitlement: row.entitlement,
      role: row.role,
      privileged: row.privileged,
    },
    by.now,
  );
  await updateRequest(tx, row.id, { status: 'granted', decided_at: by.now, approvers: [], step_due_at: null, escalated_to: null });
  if (row.kind === 'role' && row.role) await grantRole(tx, row.beneficiary_id, row.role, row.id, by);
  await commitEvent(tx, row, 'access.granted', why, by);
}

/**
 * Ends a grant (its end date, a move waiting for re-approval): the access is removed by the recompute, and RPs that
 * release `roles` hear the new ones (`access.ended` is signalled as a CAEP token-claims-change).
 */
export async function endGrant(tx: Tx, row: RequestRow, patch: RequestPatch, why: string, by: Acting): Promise<void> {
  await updateRequest(tx, row.id, { active_until: null, ...patch });
  if (row.kind === 'role' && row.role) await revokeRole(tx, row.beneficiary_id, row.role, row.id, why, by);
  await commitEvent(tx, row, 'access.ended', why, by, { roles: await heldItems(tx, row.beneficiary_id, by.now) });
}

export async function commitEvent(tx: Tx, row: RequestRow, type: string, why: string, by: Acting, extra: Record<string, unknown> = {}): Promise<void> {
  const changes = new ChangeSet();
  const payload = payloadOf(row, { reason: why, ...extra });
  changes.events.push({ type, identityId: row.beneficiary_id, payload, audit: { actor: by.actor, action: type, target: row.beneficiary_id, reason: `${row.item}: ${why}`, data: payload } });
  await changes.commit(tx, { now: by.now, correlationId: by.correlationId, audit: by.audit, causeEventId: by.causeEventId ?? null });
}

/** An operator role given by request: held under the reason `request:<id>` until the grant ends. */
async function grantRole({ db }: Queryable, identityId: string, role: string, requestId: string, by: Acting): Promise<void> {
  const held = await db.selectFrom('operator_roles').select('id').where('identity_id', '=', identityId).where('role', '=', role).where('revoked_at', 'is', null).executeTakeFirst();
  if (held) return;
  await db
    .insertInto('operator_roles')
    .values({ id: randomUUID(), identity_id: identityId, role, reason: requestReason(requestId), granted_by: by.actor, granted_at: by.now })
    .execute();
}

async function revokeRole({ db }: Queryable, identityId: string, role: string, requestId: string, why: string, by: Acting): Promise<void> {
  await db
    .updateTable('operator_roles')
    .set({ revoked_by: by.actor, revoked_at: by.now, revoke_reason: why })
    .where('identity_id', '=', identityId)
    .where('role', '=', role)
    .where('reason', '=', requestReason(requestId))
    .where('revoked_at', 'is', null)
    .execute();
}
